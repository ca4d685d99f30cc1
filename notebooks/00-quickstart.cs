#:project ../src/TangentKit/TangentKit.csproj
// 00 — Quickstart: task vectors and linearization. Script twin of 00-quickstart.ipynb:
//   dotnet run notebooks/00-quickstart.cs
//
// The paper's one idea: fine-tune a pre-trained network in its tangent space,
// f_lin(x; θ) = f(x; θ0) + J(x; θ0)(θ − θ0), and edit it by adding or subtracting task vectors τ = θ* − θ0.
// Every piece on a small ResNet and two generated tasks, in seconds; the numbered twins then reproduce the paper's
// tables and figures on the mini suite.
// Library: ResNet, ParameterSet, PrototypeHead (Models/), LinearizedModel (Linearization/), JvpOracles (Autodiff/),
// FineTuner (Training/), TaskVector (TaskVectors/), Accuracy, AffineFeatureCache, AlphaSearch (Evaluation/).
using TangentKit.Autodiff;
using TangentKit.Data;
using TangentKit.Evaluation;
using TangentKit.Experiments;
using TangentKit.Linearization;
using TangentKit.Models;
using TangentKit.Reporting;
using TangentKit.TaskVectors;
using TangentKit.Training;
using TorchSharp;
using static TorchSharp.torch;

using var session = ScriptSession.Start(args);

// A small ResNet (torchvision state-dict names) and two generated tasks with different input domains.
var model = ResNet.Tiny();
var theta0 = model.Initialize(seed: 1);
var sizes = new SplitSizes(Train: 64, Validation: 32, Test: 48);
var taskA = SyntheticTasks.Make(0, classes: 4, sizes, size: 32, seed: 0);
var taskB = SyntheticTasks.Make(1, classes: 4, sizes, size: 32, seed: 0);
session.Show($"{model.Name}: {theta0.TrainableCount:N0} trainable parameters");

// Linearize: `model.Linearize(θ0)` gives f_lin. `Jvp(x, δ)` pushes dual numbers (value, tangent) through every layer
// and returns J(x; θ0)·δ without ever forming J. In float64 it agrees with central finite differences to about 1e-9.
var lin = model.Linearize(theta0);
var theta64 = theta0.To(dtype: ScalarType.Float64);
var x64 = taskA.Test.Inputs.narrow(0, 0, 8).to_type(ScalarType.Float64);
var delta = theta64.Where(theta64.TrainableNames.ToHashSet().Contains)
    .ToDictionary(kv => kv.Key, kv => 1e-3 * randn_like(kv.Value));
var jvp = model.Linearize(theta64).Jvp(x64, delta);
var fd = JvpOracles.CentralDifference(p => model.Forward(p, x64), theta64, delta);
session.Show($"max |J·δ| = {jvp.abs().max().ToDouble():G3}; relative difference to finite differences: " +
    $"{((jvp - fd).abs().max() / fd.abs().max()).ToDouble():G2}");

// Fine-tune in the tangent space. A frozen head per task — class prototypes: the normalized mean of θ0's normalized
// features over the task's support images (never used for fine-tuning, validation or test), times CLIP's logit
// scale 100 — then linearized fine-tuning: δ = θ − θ0 starts at 0, θ0 stays frozen, and the loss is taken through
// f(x; θ0) + J·δ. The trained δ is the task vector.
var headA = PrototypeHead.FromSupport(model.Encoder(theta0), taskA.Support, classes: 4);
var headB = PrototypeHead.FromSupport(model.Encoder(theta0), taskB.Support, classes: 4);
var options = new FineTuneOptions
    { Mode = FineTuneMode.Linear, Steps = 20, BatchSize = 16, LearningRate = 3e-3, WarmupSteps = 2 };
var tauA = FineTuner.Run(model, theta0, headA, taskA.Train, options).TaskVector;
var tauB = FineTuner.Run(model, theta0, headB, taskB.Train, options).TaskVector;
session.Show($"‖τ_A‖ = {tauA.Norm():F3}, ‖τ_B‖ = {tauB.Norm():F3}, cos(τ_A, τ_B) = {TaskVector.Cosine(tauA, tauB):F3}");

// Task arithmetic: addition θ0 + τ_A + τ_B should keep both skills; negation θ0 − τ_A should remove A's and leave
// B's alone.
double Acc(LinearizedModel m, FrozenHead head, ImageTask task) => Accuracy.Top1(m.Encoder(), head, task.Test);
var added = (tauA + tauB).ApplyTo(lin, alpha: 1.0);
var negated = (-tauA).ApplyTo(lin, alpha: 1.0);
session.Show("Test accuracy of the edited models", Tables.FromRecords(new[]
{
    new { Model = "θ0", TaskA = Acc(lin, headA, taskA), TaskB = Acc(lin, headB, taskB) },
    new { Model = "θ0 + τ_A", TaskA = Acc(tauA.ApplyTo(lin), headA, taskA),
        TaskB = Acc(tauA.ApplyTo(lin), headB, taskB) },
    new { Model = "θ0 + τ_A + τ_B", TaskA = Acc(added, headA, taskA), TaskB = Acc(added, headB, taskB) },
    new { Model = "θ0 − τ_A", TaskA = Acc(negated, headA, taskA), TaskB = Acc(negated, headB, taskB) },
}));

// Why linear models make α free: f_lin is affine in the coefficients,
// f_lin(x; θ0 + Σ α_t τ_t) = f(x; θ0) + Σ α_t J τ_t. Cache f(x; θ0) and each J τ_t once, and every α costs no
// network pass: task A's accuracy along α_A (α_B = 0), all from one cached pass.
var cache = AffineFeatureCache.Build(lin, taskA.Test, new[] { tauA, tauB });
var grid = AlphaSearch.Grid(-1, 2, 31);
session.Show("Task A test accuracy along α_A (α_B = 0)",
    Tables.FromRecords(grid.Select(a => new { AlphaA = a, TaskA = cache.Accuracy(headA, new[] { a, 0.0 }) })));
