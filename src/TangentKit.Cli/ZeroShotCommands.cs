using System.CommandLine;
using Spectre.Console;
using TangentKit.Data.Fetching;
using TangentKit.Data.Text;
using TangentKit.Models;

namespace TangentKit.Cli;

/// `tangent tokenize` (CLIP's BPE ids of texts) and `tangent heads` (a task's CLIP zero-shot head), the text side of
/// the paper preset.
static class ZeroShotCommands
{
    const string VocabManifest = "clip-bpe-vocab";

    public static Command Tokenize()
    {
        var vocab = VocabOption();
        var context = new Option<int>("--context-length")
        {
            Description = "Ids per text: start token, text, end token, zero padding (longer texts are cut, the end " +
                "token kept last).",
            DefaultValueFactory = _ => ClipTokenizer.DefaultContextLength,
        };
        var pad = new Option<bool>("--pad") { Description = "Print the zero padding too (all context-length ids)." };
        var texts = new Argument<string[]>("texts")
            { Description = "Texts to tokenize (one output line each).", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("tokenize",
                "Print CLIP's BPE token ids of each text, one line per text, ids separated by spaces: the start " +
                "token, the text's ids, the end token (49406 … 49407 with CLIP's vocabulary), as open_clip.tokenize " +
                "gives them; the trailing zero padding is left out unless --pad is given.")
            { vocab, context, pad, texts };
        command.SetAction(r => Guarded("tokenize", () =>
        {
            var given = r.GetValue(texts) ?? [];
            if (given.Length == 0) throw new ArgumentException("give at least one text to tokenize.");
            int length = r.GetValue(context);
            if (length < 2) throw new ArgumentException($"--context-length must be at least 2; got {length}.");
            var tokenizer = ClipTokenizer.Load(VocabPath(r.GetValue(vocab)));
            Startup.Torch(1);
            using var ids = tokenizer.Encode(given, length);
            var values = ids.data<long>().ToArray();
            for (int i = 0; i < given.Length; i++)
            {
                var row = values.AsSpan(i * length, length);
                int end = length;
                if (!r.GetValue(pad)) while (end > 0 && row[end - 1] == 0) end--;
                Console.WriteLine(string.Join(' ', row[..end].ToArray()));
            }
        }));
        return command;
    }

    public static Command Heads()
    {
        var weights = new Option<FileInfo?>("--weights")
        {
            Description = "A CLIP state dict with its text tower and logit_scale (open_clip or OpenAI names; " +
                ".safetensors or a .pt/.pth/.bin PyTorch zip). Required.",
        };
        var vocab = VocabOption();
        var task = new Option<string?>("--task")
        {
            Description = "Task whose templates and class names are used: " +
                $"{string.Join(", ", ZeroShotPrompts.Shipped)}. Required.",
        };
        var output = new Option<FileInfo?>("--out")
        {
            Description = "Where the head is written: weight [classes, width] and a zero bias, safetensors (or a " +
                "PyTorch zip for .pt/.pth/.bin). Required.",
        };
        var textHeads = new Option<int?>("--text-heads")
            { Description = "Attention heads of the text tower (default: width / 64, as every CLIP text tower)." };
        var batch = new Option<int>("--batch")
            { Description = "Texts encoded at once.", DefaultValueFactory = _ => 256 };
        var threads = new Option<int>("--threads")
            { Description = "Intra-op threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("heads",
                "Build a task's CLIP zero-shot head: every template with every class name through the text tower, " +
                "features normalized, averaged over templates, renormalized, times exp(logit_scale), no bias; the " +
                "head normalizes image features before its weight.")
            { weights, vocab, task, output, textHeads, batch, threads };
        command.SetAction(r => Guarded("heads", () =>
        {
            var weightsFile = r.GetValue(weights) ?? throw Missing("--weights", "a CLIP state-dict file");
            var outFile = r.GetValue(output) ?? throw Missing("--out", "the head file to write");
            var prompts = ZeroShotPrompts.Get(r.GetValue(task) ?? throw Missing("--task",
                string.Join(", ", ZeroShotPrompts.Shipped)));
            if (r.GetValue(batch) < 1)
                throw new ArgumentException($"--batch must be at least 1; got {r.GetValue(batch)}.");
            var tokenizer = ClipTokenizer.Load(VocabPath(r.GetValue(vocab)));
            Startup.Torch(r.GetValue(threads));
            using var text = ClipTextTower.Load(weightsFile.FullName, r.GetValue(textHeads));
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(prompts.Title)}: {prompts.Classes.Count} classes × " +
                $"{prompts.Templates.Count} templates through {Markup.Escape(text.Model.Name)}[/]");
            using var head = ZeroShotHead.Build(text, tokenizer, prompts, batchSize: r.GetValue(batch));
            var path = outFile.FullName;
            ZeroShotHead.Save(head, path);
            AnsiConsole.MarkupLine($"[green]✓[/] head [[{head.Classes}, {head.Weight.shape[1]}]], scale " +
                $"{text.LogitScale:G6} → {Markup.Escape(path)}");
        }));
        return command;
    }

    static Option<FileInfo?> VocabOption() => new("--vocab")
    {
        Description = "CLIP's merges file bpe_simple_vocab_16e6.txt.gz (default: the one `tangent fetch " +
            $"{VocabManifest}` keeps in the data cache, fetched first if missing).",
    };

    static string VocabPath(FileInfo? given)
    {
        if (given is not null) return given.FullName;
        var manifest = DataManifest.Get(VocabManifest);
        return Path.Combine(ArtifactFetcher.Fetch(manifest), manifest.Files[0].Name);
    }

    static ArgumentException Missing(string option, string expected) =>
        new($"{option} is required ({expected}).");

    // Bad input (a missing or malformed file, an unknown task, a bad option) → its message and exit code 2.
    static int Guarded(string verb, Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or InvalidDataException
                                      or DataFetchException)
        {
            Console.Error.WriteLine($"tangent {verb}: {e.Message}");
            return 2;
        }
    }
}
