#:project ../src/TangentKit/TangentKit.csproj
// Table 1 — Task addition. Script twin of 01-table1-task-addition.ipynb:
//   dotnet run notebooks/01-table1-task-addition.cs [--preset tiny|mini] [--results DIR]
//
// Claim: task vectors from linearized fine-tuning add up better than non-linear ones: the multi-task model
// θ0 + α Σ_t τ_t keeps more of each task's single-task accuracy.
// Protocol: one shared α ∈ {0, 0.05, …, 1} chosen on validation by the average normalized accuracy
// acc(edited, t) / acc(θ0 + τ_t, t) (denominator: the single-task accuracy of the same mode); test numbers at that α,
// with 95 % bootstrap intervals over test examples. Post-hoc = standard task vectors on f_lin; linear = linearly
// fine-tuned vectors on f_lin. The last column is θ0 itself (α = 0) under the same denominators.
// Library: TaskAddition (Experiments/), EditedEvaluator, AffineFeatureCache, AlphaSearch.ForAddition (Evaluation/).
using TangentKit.Experiments;

// Stored results (from `tangent reproduce`, the notebook or an earlier run) are read back; only what is missing is
// computed.
using var session = ScriptSession.Start(args);
var suite = session.Suite;

var addition = TaskAddition.Run(suite);
session.Show("Table 1 — task addition (test, %)", TaskAddition.Table(addition));

// The α curves (non-linear task vectors interfere as α grows) are the figure table1_task_addition.html, written by
// Publish below. Per-task test accuracy at each method's α:
session.Show("Per-task test accuracy", TaskAddition.PerTaskTable(addition));

// Verdicts from the paired differences: a claim holds when every difference's 95 % interval is above 0, does not
// hold when one is below 0, and is inconclusive otherwise ("not discriminating" when fine-tuning gains under 15
// points over zero-shot).
var single = SingleTask.Run(suite);
session.Show("Verdicts", Claims.Table(Claims.LinearBestAtAddition(addition, single),
    Claims.PostHocBeatsNonLinearAtAddition(addition, single)));

session.Publish(Experiment.Addition);
