#:project ../src/TangentKit/TangentKit.csproj
// What if …? Script twin of 09-what-if.ipynb:
//   dotnet run notebooks/09-what-if.cs [--preset tiny|mini] [--results DIR]
//
// Linear and post-hoc models are affine in the task-vector coefficients, so any combination of per-task α is exact and
// instant once f(x; θ0) and J·τ_t are cached. Change the coefficients below and run again.
// Library: EditedEvaluator, AffineFeatureCache, AlphaSearch (Evaluation/), WhatIf, TaskVectorSimilarity,
// PerTaskAlpha (Experiments/).
using TangentKit.Evaluation;
using TangentKit.Experiments;

using var session = ScriptSession.Start(args);
var suite = session.Suite;
var linear = suite.Evaluator(EditMode.Linear);     // try EditMode.PostHoc, or EditMode.Standard (a network pass per α)
var tasks = suite.Tasks;
session.Show(string.Join(", ", tasks.Select((t, i) => $"{i}: {t.Name}")));

// One coefficient per task, in the order above: e.g. add the first two tasks, subtract the third.
double[] alphas = WhatIf.Coefficients(tasks.Count, 0.5, 0.5, -0.3);
session.Show($"Test accuracy at α = ({string.Join(", ", alphas)})", WhatIf.Table(suite, linear, alphas));

// A whole α1 × α2 map of the first task's accuracy — 441 evaluations, no network pass.
var grid = AlphaSearch.Grid(-1, 1, 21);
var map = WhatIf.FirstPairMap(suite, linear, grid);
session.Show($"{tasks[0].Name} test accuracy (%) over α1 (for {tasks[0].Name}, columns) and α2 (for {tasks[1].Name})",
    WhatIf.FirstPairTable(grid, map));

// Beyond the paper, in the report: task-vector cosine similarities and one α per task chosen on validation.
session.Publish(Experiment.Similarity, Experiment.PerTaskAlpha);
