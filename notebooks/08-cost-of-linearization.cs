#:project ../src/TangentKit/TangentKit.csproj
// The cost of linearization. Script twin of 08-cost-of-linearization.ipynb:
//   dotnet run notebooks/08-cost-of-linearization.cs [--preset tiny|mini] [--results DIR]
//
// Claim: a linearized model costs about twice a plain one: each training step runs the forward pass with tangents
// (≈ 2 extra matmuls/convolutions per layer: ẋWᵀ and xẆᵀ) and back-propagates through them. Theory for matmul-bound
// layers: 5 products instead of 3, ≈ 1.67×. `tangent bench` measures more shapes.
// Library: LinearizationCost (Experiments/), StepBenchmark (Benchmarks/).
using TangentKit.Experiments;
using TangentKit.Reporting;

// Stored results are read back; only what is missing is computed.
using var session = ScriptSession.Start(args);
var suite = session.Suite;

// The chart is cost_of_linearization.html, written by Publish below.
var cost = LinearizationCost.Run(suite);
session.Show("Time and peak memory per training step", Tables.FromRecords(new[] { cost }));

session.Publish(Experiment.Cost);
