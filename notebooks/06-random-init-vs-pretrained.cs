#:project ../src/TangentKit/TangentKit.csproj
// Random initialization vs pre-trained. Script twin of 06-random-init-vs-pretrained.ipynb:
//   dotnet run notebooks/06-random-init-vs-pretrained.cs [--preset tiny|mini] [--results DIR]
//
// Claim: weight disentanglement emerges during pre-training: from a random initialization of the same network, task
// arithmetic works much worse.
// Protocol: everything of Table 1 — prototype heads from the same support images, fine-tuning in both modes with the
// same budget, α on validation — repeated from a seeded random θ0 whose batch-norm statistics are recomputed on the
// tasks' training images (a normalized network), with its own ξ maps.
// Library: RandomInit, TaskAddition, Backbone (Experiments/).
using TangentKit.Experiments;

// Stored results are read back; only what is missing is computed.
using var session = ScriptSession.Start(args);
var suite = session.Suite;

// What to look for: normalized accuracy compares each edit with its own single-task models; absolute accuracy shows
// how good the models are at all. The chart (random_init.html) and the random θ0's own ξ maps are written by Publish.
var emergence = RandomInit.Run(suite);
session.Show("Task addition from the random and the pre-trained θ0", RandomInit.Table(emergence));

var gate = SingleTask.Run(suite);
session.Show("Verdicts", Claims.Table(Claims.RandomInitAddsWorse(emergence, gate),
    Claims.RandomInitLessDisentangled(emergence, Disentanglement.Run(suite), gate)));

session.Publish(Experiment.RandomInit);
