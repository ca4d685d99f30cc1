#:project ../src/TangentKit/TangentKit.csproj
// Table 2 — Task negation. Script twin of 02-table2-task-negation.ipynb:
//   dotnet run notebooks/02-table2-task-negation.cs [--preset tiny|mini] [--results DIR]
//
// Claim: subtracting a linearized task vector removes the task (low target accuracy) while a held-out control task
// keeps ≥ 95 % of its pre-trained accuracy; linear fine-tuning forgets the target most.
// Protocol: for each task alone, θ0 − α τ_t with α ∈ {0, 0.05, …, 1} minimizing the target's validation accuracy
// subject to control validation accuracy ≥ 0.95 × pre-trained; test numbers averaged over tasks, with 95 % bootstrap
// intervals. The mini suite's control task is photo-patches (never fine-tuned, off the ceiling at θ0, so the floor
// binds); the paper's is ImageNet.
// Library: TaskNegation (Experiments/), EditedEvaluator, AlphaSearch.ForNegation (Evaluation/).
using TangentKit.Experiments;

// Stored results are read back; only what is missing is computed.
using var session = ScriptSession.Start(args);
var suite = session.Suite;

// What to look for: target accuracy (lower is better) at equal control accuracy; the chart is
// table2_task_negation.html, written by Publish below.
var negation = TaskNegation.Run(suite);
session.Show("Table 2 — task negation (test, %)", TaskNegation.Table(negation));

session.Show("The chosen α and accuracies per negated task", TaskNegation.PerTaskTable(negation));

// Verdict: paired differences of target accuracy, other modes minus linear FT.
session.Show("Verdict", Claims.Table(Claims.LinearForgetsMost(negation, SingleTask.Run(suite))));

session.Publish(Experiment.Negation);
