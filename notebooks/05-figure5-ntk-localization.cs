#:project ../src/TangentKit/TangentKit.csproj
// Figure 5 — NTK eigenfunction localization. Script twin of 05-figure5-ntk-localization.ipynb:
//   dotnet run notebooks/05-figure5-ntk-localization.cs [--preset tiny|mini] [--results DIR]
//
// Claim: for linearized models, weight disentanglement is equivalent to the eigenfunctions of the neural tangent
// kernel K(x, x') = ∇θ f(x; θ0)·∇θ f(x'; θ0) being localized on the task supports; pre-training makes them so.
// Choices (the paper leaves them open): scalar output s = r·f(x) with a fixed random unit vector r; the exact kernel
// on test samples of two tasks; eigenvectors of the sample kernel as eigenfunctions; local energy on a task = squared
// eigenvector mass on that task's samples.
// Library: NtkLocalization (Experiments/), EmpiricalNtk (Kernels/), LinearizedModel.Jvp (Linearization/).
using TangentKit.Experiments;

// Stored results are read back; only what is missing is computed.
using var session = ScriptSession.Start(args);
var suite = session.Suite;

// What to look for: energies near 0 or 1 mean an eigenfunction lives on one task; near ½ means it mixes both. The
// energies (fig5_ntk_localization.html) and the normalized kernel of the pre-trained network, whose block structure
// is the localization (fig5_ntk_localization_kernel.html), are written by Publish below.
var ntk = NtkLocalization.Run(suite);
session.Show("Figure 5 — local energy of the top eigenfunctions", NtkLocalization.Table(ntk));

// Verdict: localization above its chance level and higher at the pre-trained θ0 than at the random one.
session.Show("Verdict", Claims.Table(Claims.Localized(ntk, SingleTask.Run(suite))));

session.Publish(Experiment.Ntk);
