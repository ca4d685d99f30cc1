#:project ../src/TangentKit/TangentKit.csproj
// Figures 3 and 4 — Weight disentanglement. Script twin of 04-figures3-4-disentanglement.ipynb:
//   dotnet run notebooks/04-figures3-4-disentanglement.cs [--preset tiny|mini] [--results DIR]
//
// Claim: task arithmetic works when the model is weight-disentangled: τ_1 changes the function only on task 1's
// inputs and τ_2 only on task 2's. The error
//   ξ(α1, α2) = ½ Σ_t E_{x∼D_t} 1[argmax f_t(x; θ0 + α_t τ_t) ≠ argmax f_t(x; θ0 + α1 τ1 + α2 τ2)]
// measures the violation; the paper finds it smaller for linearized models. Each map also gives its disentangled area,
// the fraction of the grid with ξ ≤ 0.1, with a bootstrap interval over the examples. The first pair (MNIST and 8×8
// digits in the mini suite) shares one input domain on purpose: the negative control.
// Library: Disentanglement (Experiments/), EditedEvaluator, AffineFeatureCache (Evaluation/).
using TangentKit.Experiments;

// Stored results are read back; only what is missing is computed.
using var session = ScriptSession.Start(args);
var suite = session.Suite;

var xi = Disentanglement.Run(suite);
session.Show("Disentangled area per pair and mode", Disentanglement.Table(xi));

// One figure per task pair, the three modes side by side on one color scale (ξ ∈ [0, 1]):
// fig3_4_disentanglement_<task A>_<task B>.html, written by Publish below.

// Verdicts: differences of disentangled area.
var gate = SingleTask.Run(suite);
session.Show("Verdicts", Claims.Table(Claims.LinearizedMoreDisentangled(xi, gate),
    Claims.OverlappingPairLeastDisentangled(xi, gate)));

session.Publish(Experiment.Disentanglement);
