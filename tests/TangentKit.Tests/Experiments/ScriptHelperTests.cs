using TangentKit.Data;
using TangentKit.Evaluation;
using TangentKit.Experiments;
using TangentKit.Reporting;
using TangentKit.Training;

namespace TangentKit.Tests.Experiments;

/// What the script twins print and how they read their options: the library side of notebooks/NN-name.cs.
public sealed class ScriptHelperTests
{
    const string Repo = "/repo", Here = "/work/here";

    static ScriptOptions? Parse(string[] args, params (string Name, string Value)[] environment) =>
        ScriptOptions.Parse(args, name => environment.FirstOrDefault(e => e.Name == name).Value, Repo, Here);

    [Fact]
    public void Options_default_to_mini_in_the_repository_results_folder()
    {
        var o = Parse([])!;
        Assert.Equal("mini", o.Preset.Name);
        Assert.Equal("/repo/results/mini", o.Results);
    }

    [Fact]
    public void The_command_line_wins_over_the_notebook_variables_and_relative_folders_start_here()
    {
        var fromEnvironment = Parse([], ("TANGENTKIT_PRESET", "tiny"), ("TANGENTKIT_RESULTS", "out"))!;
        Assert.Equal(("tiny", "/work/here/out"), (fromEnvironment.Preset.Name, fromEnvironment.Results));
        var fromArgs = Parse(["--preset", "mini", "--results", "/abs/r"], ("TANGENTKIT_PRESET", "tiny"),
            ("TANGENTKIT_RESULTS", "out"))!;
        Assert.Equal(("mini", "/abs/r"), (fromArgs.Preset.Name, fromArgs.Results));
        // the default folder follows the chosen preset
        Assert.Equal("/repo/results/tiny", Parse(["--preset", "tiny"])!.Results);
        Assert.Null(Parse(["--help"]));
    }

    [Theory]
    [InlineData(new[] { "--preset" }, "--preset needs a value")]
    [InlineData(new[] { "--results", "--preset", "tiny" }, "--results needs a value")]
    [InlineData(new[] { "--seeds", "3" }, "unknown argument '--seeds'")]
    [InlineData(new[] { "--preset", "huge" }, "--preset: unknown preset 'huge'")]
    [InlineData(new[] { "--preset", "paper" }, "the paper preset needs --weights FILE (or $TANGENTKIT_CLIP_WEIGHTS)")]
    [InlineData(new[] { "--preset", "paper-vit-l-14", "--weights", "/no/such.pt", "--data", "/" },
        "--weights: no file at /no/such.pt")]
    public void Bad_options_are_refused_naming_the_argument(string[] args, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => Parse(args));
        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void A_bad_preset_from_the_environment_names_the_variable()
    {
        var e = Assert.Throws<ArgumentException>(() => Parse([], ("TANGENTKIT_PRESET", "huge")));
        Assert.StartsWith("TANGENTKIT_PRESET: unknown preset 'huge'", e.Message);
    }

    [Fact]
    public void Text_tables_align_columns_and_format_numbers_as_the_html_tables()
    {
        var frame = Tables.FromRecords(new[]
        {
            new { Method = "linear", Alpha = 0.25, Steps = 12 },
            new { Method = "post-hoc", Alpha = double.NaN, Steps = 7 },
            new { Method = "x", Alpha = 1.0 / 3, Steps = 1000 },
        });
        var expected = string.Join(Environment.NewLine,
            "Method    Alpha   Steps",
            "--------  ------  -----",
            "linear      0.25     12",
            "post-hoc       –      7",
            "x         0.3333   1000",
            "");
        Assert.Equal(expected, Tables.ToText(frame));
        Assert.EndsWith($"… 2 more rows{Environment.NewLine}", Tables.ToText(frame, maxRows: 1));
    }

    [Fact]
    public void Per_task_tables_list_each_method_and_task()
    {
        var m = (double v) => Measured.Exact(v, replicates: 4);
        var addition = new AdditionResult(["a", "b"],
        [
            new AdditionRow(Initialization.Pretrained, null, 0, m(0.5), null, null, [m(0.5), m(0.25)]),
            new AdditionRow(Initialization.Pretrained, EditMode.Linear, 0.3, m(0.75), m(0.9), m(0.6),
                [m(0.875), m(0.625)]),
        ], new Dictionary<EditMode, IReadOnlyList<AlphaPoint>>());
        var perTask = TaskAddition.PerTaskTable(addition);
        Assert.Equal(["Zero-shot (θ0)", EditMode.Linear.Label()], perTask.GetColumn<string>("Method").Values);
        Assert.Equal(["a 50.0, b 25.0", "a 87.5, b 62.5"], perTask.GetColumn<string>("PerTaskPercent").Values);

        var negation = new NegationResult("control", 5, 0.95,
        [
            new NegationRow(null, m(0.8), m(0.6), []),
            new NegationRow(EditMode.Standard, m(0.3), m(0.58),
                [new NegationTaskResult("a", 0.4, m(0.2), m(0.57)), new NegationTaskResult("b", 1, m(0.4), m(0.59))]),
        ]);
        var negated = TaskNegation.PerTaskTable(negation);
        Assert.Equal(["a", "b"], negated.GetColumn<string>("Task").Values);
        Assert.Equal([0.4, 1.0], negated.GetColumn<double>("Alpha").Values);
        Assert.Equal(["20.0", "40.0"], negated.GetColumn<string>("TargetPercent").Values.Select(s => s[..4]));
    }

    [Fact]
    public void What_if_coefficients_pad_with_zeros_and_refuse_too_many()
    {
        Assert.Equal([0.5, -0.3, 0, 0], WhatIf.Coefficients(4, 0.5, -0.3));
        var e = Assert.Throws<ArgumentException>(() => WhatIf.Coefficients(1, 0.5, 0.5));
        Assert.Equal("leading", e.ParamName);
    }

    [Fact]
    public void The_what_if_map_matches_f_lin_evaluated_directly_at_the_edited_parameters()
    {
        var folder = Directory.CreateTempSubdirectory("tangentkit-whatif-").FullName;
        try
        {
            using var suite = Suite.Open(Preset.Tiny, folder, new LineProgress(_ => { }));
            var linear = suite.Evaluator(EditMode.Linear);
            double[] grid = [-0.5, 1.0];
            var map = WhatIf.FirstPairMap(suite, linear, grid);
            var (lin, task) = (suite.Backbone().Linearized, suite.Tasks[0]);
            var vectors = suite.Vectors(FineTuneMode.Linear);
            for (int i2 = 0; i2 < grid.Length; i2++)
                for (int i1 = 0; i1 < grid.Length; i1++)
                {
                    // θ0 + α1 τ1 + α2 τ2 on f_lin, one network pass, no affine cache
                    using var edit = grid[i1] * vectors[0] + grid[i2] * vectors[1];
                    double direct = Accuracy.Top1(edit.ApplyTo(lin).Encoder(), suite.Backbone().Heads[task.Name],
                        task.Test);
                    Assert.Equal(direct, map[i2][i1], 1.0 / task.Test.Count + 1e-12);
                }
            var table = WhatIf.FirstPairTable(grid, map);
            Assert.Equal(["α2 \\ α1", "-0.5", "1"], table.ColumnKeys);
            Assert.Equal(Math.Round(100 * map[1][0]), table.GetColumn<double>("-0.5").Get(1));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
