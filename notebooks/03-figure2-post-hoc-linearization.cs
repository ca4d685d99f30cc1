#:project ../src/TangentKit/TangentKit.csproj
// Figure 2 — Is fine-tuning linear? Script twin of 03-figure2-post-hoc-linearization.ipynb:
//   dotnet run notebooks/03-figure2-post-hoc-linearization.cs [--preset tiny|mini] [--results DIR]
//
// Claim: fine-tuning does not happen in the linear regime: evaluating the same task vector τ_t on the first-order
// Taylor expansion around θ0, f_lin(x; θ0 + τ_t), loses single-task accuracy compared with the network f(x; θ0 + τ_t).
// Formula: f_lin(x; θ0 + τ) = f(x; θ0) + J(x; θ0)·τ, computed by one forward pass carrying the tangent τ.
// Library: SingleTask (Experiments/), LinearizedModel (Linearization/), EditedEvaluator (Evaluation/).
using TangentKit.Experiments;

// Stored results are read back; only what is missing is computed.
using var session = ScriptSession.Start(args);
var suite = session.Suite;

// What to look for: the gap between Non-lin. FT and Post-hoc lin., and how far every mode is above the zero-shot
// head (the gate: at least 15 points on average, or no claim is tested). The bars (fig2_single_task.html) and the
// fine-tuning curves, validation accuracy every few steps (fig2_single_task_curves.html), are written by Publish.
var single = SingleTask.Run(suite);
session.Show("Figure 2 — single-task test accuracy (%)", SingleTask.Table(single));

// Verdict: per task, non-linear FT minus post-hoc.
session.Show("Verdict", Claims.Table(Claims.PostHocBelowNonLinear(single)));

session.Publish(Experiment.SingleTask);
