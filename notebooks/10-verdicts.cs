#:project ../src/TangentKit/TangentKit.csproj
// Verdicts — the paper's claims, tested. Script twin of 10-verdicts.ipynb:
//   dotnet run notebooks/10-verdicts.cs [--preset tiny|mini] [--results DIR]
//
// Every claim of the paper, tested on this reproduction's numbers: each is one or more paired differences the paper
// says are positive (for example linear FT minus non-linear FT). A claim holds when every difference's 95 % bootstrap
// interval (over test examples) lies above 0, does not hold when one lies below 0, and is inconclusive otherwise. If
// fine-tuning gains less than 15 points over the zero-shot heads, every verdict reads not discriminating. Nothing is
// fixed text: the table is computed from the stored results and written to results/<preset>/summary.json.
// Library: ClaimReport, Claims, Summary (Experiments/), Measured, Bootstrap, Verdicts (Evaluation/).
using TangentKit.Experiments;

// Stored results are read back; only what is missing is computed.
using var session = ScriptSession.Start(args);
var suite = session.Suite;

var summary = ClaimReport.Run(suite);
session.Show(SingleTask.GateSentence(SingleTask.Run(suite)));
session.Show("Verdicts", ClaimReport.Table(summary));

session.Show("Every number behind every verdict, with its interval",
    Claims.Table(ClaimReport.ClaimsOf(suite).ToArray()));

session.Publish(Experiment.Verdicts);
