#:project ../src/TangentKit/TangentKit.csproj
// The non-linear advantage. Script twin of 07-nonlinear-advantage.ipynb:
//   dotnet run notebooks/07-nonlinear-advantage.cs [--preset tiny|mini] [--results DIR]
//
// Claim: linearized fine-tuning gives up some single-task accuracy: the normalized non-linear advantage
// (acc_non-lin − acc_lin) / (1 − 1/C) is positive. The price of disentanglement.
// Library: NonlinearAdvantage, SingleTask (Experiments/).
using TangentKit.Experiments;
using TangentKit.Reporting;

// Stored results are read back; only what is missing is computed.
using var session = ScriptSession.Start(args);
var suite = session.Suite;

// The chart is nonlinear_advantage.html, written by Publish below.
var advantage = NonlinearAdvantage.Run(suite);
session.Show("Non-linear advantage per task", Tables.FromRecords(advantage));

session.Publish(Experiment.Advantage);
