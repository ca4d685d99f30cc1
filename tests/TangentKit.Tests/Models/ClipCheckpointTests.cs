using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using TangentKit.Models;
using TangentKit.TaskVectors;
using Xunit.Abstractions;

namespace TangentKit.Tests.Models;

/// CLIP checkpoints of the paper preset: the image tower read out of full (visual.-prefixed) and bare state dicts in
/// safetensors and PyTorch zips, its configuration inferred from shapes and compared with open_clip's module layout
/// written out here; float16 files written by Python's standard library; TorchScript and pickled-model archives;
/// JVP of a loaded tower against finite differences; written encoders and task vectors parsed by Python's standard
/// library (struct + json), an independent safetensors reader.
public sealed class ClipCheckpointTests(ITestOutputHelper output) : IDisposable
{
    const string Python = "/usr/bin/python3";
    readonly string _dir = Directory.CreateTempSubdirectory("tangentkit-clip-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // The tiny configuration of these tests: 8×8 images in a 2×2 grid of 4×4 patches, width 64 (one head of 64),
    // two blocks, 16-dimensional output.
    static readonly VisionTransformer Tiny = new(ImageSize: 8, PatchSize: 4, Width: 64, Layers: 2, Heads: 1,
        OutputDim: 16);

    static readonly TextTransformer TinyText = new(VocabSize: 30, ContextLength: 7, Width: 64, Layers: 1, Heads: 1,
        OutputDim: 16);

    // open_clip's VisionTransformer (and OpenAI's clip/model.py), written from the module structure: conv1 is a Conv2d
    // without bias; class_embedding, positional_embedding and proj are bare Parameters; ln_pre, ln_post LayerNorms;
    // transformer.resblocks[i] = ResidualAttentionBlock(ln_1, attn: nn.MultiheadAttention with packed in_proj and an
    // out_proj Linear, ln_2, mlp: c_fc Linear(w, 4w), QuickGELU, c_proj Linear(4w, w)). Sorted by name:
    // load_state_dict matches names, not order.
    static List<(string Name, long[] Shape)> OpenClipVisualKeys(long width, long layers, long patch, long grid,
        long output, long channels = 3)
    {
        var keys = new List<(string, long[])>
        {
            ("conv1.weight", [width, channels, patch, patch]),
            ("class_embedding", [width]),
            ("positional_embedding", [grid * grid + 1, width]),
            ("ln_pre.weight", [width]), ("ln_pre.bias", [width]),
        };
        for (int i = 0; i < layers; i++)
        {
            var b = $"transformer.resblocks.{i}.";
            keys.AddRange([
                (b + "ln_1.weight", [width]), (b + "ln_1.bias", [width]),
                (b + "attn.in_proj_weight", [3 * width, width]), (b + "attn.in_proj_bias", [3 * width]),
                (b + "attn.out_proj.weight", [width, width]), (b + "attn.out_proj.bias", [width]),
                (b + "ln_2.weight", [width]), (b + "ln_2.bias", [width]),
                (b + "mlp.c_fc.weight", [4 * width, width]), (b + "mlp.c_fc.bias", [4 * width]),
                (b + "mlp.c_proj.weight", [width, 4 * width]), (b + "mlp.c_proj.bias", [width]),
            ]);
        }
        keys.AddRange([("ln_post.weight", [width]), ("ln_post.bias", [width]), ("proj", [width, output])]);
        return keys.OrderBy(k => k.Item1, StringComparer.Ordinal).ToList();
    }

    static List<(string Name, long[] Shape)> Layout(ParameterSet set) =>
        set.Select(kv => (kv.Key, kv.Value.shape)).OrderBy(k => k.Key, StringComparer.Ordinal).ToList();

    static void AssertSameLayout(List<(string Name, long[] Shape)> expected, List<(string Name, long[] Shape)> actual)
    {
        Assert.Equal(expected.Select(k => k.Name), actual.Select(k => k.Name));
        for (int i = 0; i < expected.Count; i++)
            Assert.True(expected[i].Shape.SequenceEqual(actual[i].Shape),
                $"{expected[i].Name}: [{string.Join(",", actual[i].Shape)}], " +
                $"open_clip has [{string.Join(",", expected[i].Shape)}]");
    }

    // A full CLIP state dict: image tower under visual., a text tower and logit_scale without prefix.
    static ParameterSet TinyClip(ParameterSet visual, ScalarType dtype = ScalarType.Float32) =>
        ClipFixtures.StateDict(visual, TinyText, dtype: dtype);

    static void AssertEqualTensors(ParameterSet expected, ParameterSet actual)
    {
        Assert.Equal(expected.Names.Order(StringComparer.Ordinal), actual.Names.Order(StringComparer.Ordinal));
        foreach (var (n, t) in expected)
            Assert.True(t.to_type(actual[n].dtype).equal(actual[n]).all().item<bool>(),
                $"{n} differs after the round trip");
    }

    [Fact]
    public void The_vit_b32_layout_is_open_clips_visual_state_dict()
    {
        var expected = OpenClipVisualKeys(width: 768, layers: 12, patch: 32, grid: 7, output: 512);
        // conv1 (no bias) 1, class and positional 2, ln_pre 2, 12 blocks × 12, ln_post 2, proj 1.
        Assert.Equal(152, expected.Count);
        using var layout = VisionTransformer.ViTB32().Initialize(Init.ShapesOnly());
        AssertSameLayout(expected, Layout(layout));
        Assert.Equal(87_849_216, expected.Sum(k => k.Shape.Aggregate(1L, (a, b) => a * b)));   // open_clip's count
    }

    [Theory]
    [InlineData("ViT-B/32", 768, 12, 32, 7, 512)]
    [InlineData("ViT-B/16", 768, 12, 16, 14, 512)]
    [InlineData("ViT-L/14", 1024, 24, 14, 16, 768)]
    public void The_paper_models_are_recognized_from_their_shapes(string name, long width, long layers, long patch,
        long grid, long output)
    {
        // A full dict of storage-less tensors with open_clip's shapes: the configuration comes from shapes alone.
        using var clip = new ParameterSet();
        foreach (var (n, shape) in OpenClipVisualKeys(width, layers, patch, grid, output))
            clip.Add("visual." + n, empty(shape, device: new Device(DeviceType.META)));
        clip.Add("logit_scale", empty([], device: new Device(DeviceType.META)));
        clip.Add("token_embedding.weight", empty([49408, 512], device: new Device(DeviceType.META)));
        using var tower = ClipImageTower.FromStateDict(clip, name);
        Assert.Equal(name, tower.KnownModel);
        Assert.Equal(224, tower.Model.ImageSize);
        Assert.Equal(width / 64, tower.Model.Heads);
        Assert.Equal(ClipImageTower.KnownModels[name], tower.Model);
    }

    [Theory]
    [InlineData(".safetensors")]
    [InlineData(".pt")]
    public void A_full_clip_state_dict_gives_the_image_tower_with_its_configuration(string extension)
    {
        using var visual = Tiny.Initialize(seed: 3);
        using var clip = TinyClip(visual);
        var path = Path.Combine(_dir, "clip" + extension);
        ParameterFiles.Save(clip, path);

        using var tower = ClipImageTower.Load(path);
        Assert.Equal(Tiny, tower.Model);
        Assert.Equal("custom", tower.KnownModel);
        AssertSameLayout(OpenClipVisualKeys(width: 64, layers: 2, patch: 4, grid: 2, output: 16),
            Layout(tower.Parameters));
        AssertEqualTensors(visual, tower.Parameters);

        // The same file read once for both towers.
        using var both = ClipCheckpoint.Load(path);
        Assert.Equal(Tiny, both.Image.Model);
        Assert.Equal(TinyText, both.Text.Model);
        Assert.Equal(100, both.LogitScale, 4);
        AssertEqualTensors(visual, both.Image.Parameters);
        Assert.True(both.Text.Parameters["text_projection"].equal(clip["text_projection"]).all().item<bool>());

        // A bare image tower (model.visual.state_dict()) reads the same; as a full checkpoint it is refused.
        var bare = Path.Combine(_dir, "visual" + extension);
        ParameterFiles.Save(visual, bare);
        using var fromBare = ClipImageTower.Load(bare);
        Assert.Equal(Tiny, fromBare.Model);
        AssertEqualTensors(visual, fromBare.Parameters);
        var e = Assert.Throws<InvalidDataException>(() => ClipCheckpoint.Load(bare));
        Assert.Contains(bare, e.Message);
        Assert.Contains("ClipImageTower.Load", e.Message);

        // The reference code's ImageEncoder state dict: the CLIP model's names under model.
        using var encoder = new ParameterSet().AddAll(
            clip.Select(kv => KeyValuePair.Create("model." + kv.Key, kv.Value)), t => t.clone());
        using var fromEncoder = ClipImageTower.FromStateDict(encoder, "finetuned.pt");
        Assert.Equal(Tiny, fromEncoder.Model);
        AssertEqualTensors(visual, fromEncoder.Parameters);
    }

    [Fact]
    public void Float16_weights_in_a_pytorch_zip_are_converted_to_float32()
    {
        using var visual = Tiny.Initialize(seed: 4);
        using var clip = TinyClip(visual);
        var path = Path.Combine(_dir, "half.pt");
        ParameterFiles.Save(clip, path, dtype: ScalarType.Float16);
        using (var zip = ZipFile.OpenRead(path))      // the pickle names float16 storages, as OpenAI's weights do
        using (var pickle = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith("/data.pkl")).Open(),
            Encoding.Latin1))
            Assert.Contains("HalfStorage", pickle.ReadToEnd());
        using var both = ClipCheckpoint.Load(path);
        foreach (var (n, t) in visual)
        {
            var got = both.Image.Parameters[n];
            Assert.Equal(ScalarType.Float32, got.dtype);
            // System.Half's rounding is the oracle for float16's.
            var expected = t.data<float>().Select(v => (float)(Half)v).ToArray();
            Assert.Equal(expected, got.data<float>().ToArray());
        }
        Assert.Equal(ScalarType.Float32, both.Text.Parameters["token_embedding.weight"].dtype);
    }

    [Fact]
    public void Missing_unexpected_and_mis_shaped_entries_are_listed_with_the_file()
    {
        using var visual = Tiny.Initialize(seed: 3);
        using var clip = TinyClip(visual);
        ParameterSet Edited(Func<string, bool> keep, params (string Name, Tensor Value)[] extra)
        {
            var set = new ParameterSet().AddAll(clip.Where(keep), t => t.clone());
            foreach (var (n, v) in extra) set.Add(n, v);
            return set;
        }
        string Error(ParameterSet set, string name)
        {
            var path = Path.Combine(_dir, name);
            ParameterFiles.Save(set, path);
            set.Dispose();
            var e = Assert.Throws<InvalidDataException>(() => ClipImageTower.Load(path));
            Assert.Contains(path, e.Message);
            return e.Message;
        }

        // Block 0 gone, block 1 kept: two blocks are described, block 0's twelve entries are missing.
        var noBlock = Error(Edited(n => !n.StartsWith("visual.transformer.resblocks.0.")), "noblock.safetensors");
        Assert.Contains("missing (12): visual.transformer.resblocks.0.ln_1.weight", noBlock);

        var wrong = Error(Edited(n => n != "visual.transformer.resblocks.1.mlp.c_fc.weight",
            ("visual.transformer.resblocks.1.mlp.c_fc.weight", zeros(255, 64))), "shape.pt");
        Assert.Contains("shape mismatch (1): visual.transformer.resblocks.1.mlp.c_fc.weight: file [255, 64], " +
            "expected [256, 64]", wrong);

        var extra = Error(Edited(_ => true, ("visual.attn_pool.weight", zeros(3))), "extra.safetensors");
        Assert.Contains("unexpected (1): visual.attn_pool.weight", extra);

        var grid = Error(Edited(n => n != "visual.positional_embedding", ("visual.positional_embedding",
            zeros(6, 64))), "grid.safetensors");
        Assert.Contains("6 tokens", grid);

        var textOnly = Error(Edited(n => !n.StartsWith("visual.")), "text.safetensors");
        Assert.Contains("conv1.weight", textOnly);
        Assert.Contains("text tower only", textOnly);

        var noConv = Error(Edited(n => n != "visual.conv1.weight"), "noconv.safetensors");
        Assert.Contains("no 'visual.conv1.weight' entry", noConv);

        var two = Error(Edited(_ => true, ("conv1.weight", zeros(64, 3, 4, 4))), "two.safetensors");
        Assert.Contains("2 image towers (visual.conv1.weight, conv1.weight)", two);
    }

    static byte[] Zip(params (string Name, byte[] Content)[] entries)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, content) in entries)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(content);
            }
        return memory.ToArray();
    }

    // The python -c "…" recipe of a message: the code between the double quotes.
    static string Recipe(string message)
    {
        int start = message.IndexOf("python -c \"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no python -c recipe in: {message}");
        start += "python -c \"".Length;
        return message[start..message.IndexOf('"', start)];
    }

    [Fact]
    public void A_torchscript_archive_is_refused_with_the_conversion_recipe()
    {
        // The entry layout of OpenAI's ViT-B-32.pt (torch.jit.save), with placeholder contents.
        var path = Path.Combine(_dir, "ViT-B-32.pt");
        File.WriteAllBytes(path, Zip(
            ("ViT-B-32/data.pkl", [0x80, 0x02, (byte)'c', .. "__torch__.multimodal.model.CLIP\n"u8, (byte)'.']),
            ("ViT-B-32/code/__torch__/multimodal/model.py", "class CLIP(Module):\n  pass\n"u8.ToArray()),
            ("ViT-B-32/code/__torch__/multimodal/model.py.debug_pkl", [0x80, 0x02, (byte)')', (byte)'.']),
            ("ViT-B-32/constants.pkl", [0x80, 0x02, (byte)')', (byte)'.']),
            ("ViT-B-32/data/0", new byte[64]),
            ("ViT-B-32/version", "1\n"u8.ToArray())));
        foreach (var load in new Action[] { () => ClipImageTower.Load(path), () => ParameterFiles.Load(path) })
        {
            var e = Assert.Throws<InvalidDataException>(load);
            Assert.Contains(path, e.Message);
            Assert.Contains("TorchScript archive", e.Message);
            Assert.Equal("import torch; torch.save(torch.jit.load('" + path + "', map_location='cpu').state_dict(), '" +
                Path.Combine(_dir, "ViT-B-32-state.pt") + "')", Recipe(e.Message));
        }
    }

    [Fact]
    public void A_pickled_model_or_a_dict_of_other_values_is_refused_with_what_to_save_instead()
    {
        if (!File.Exists(Python))
        {
            output.WriteLine($"skipped: {Python} is absent (its pickle module writes the archives of this test)");
            return;
        }
        // Python's own pickler, with a stand-in for open_clip's CLIP class, writes what torch.save(model) starts with.
        const string script = """
            import pickle, sys, types
            module = types.ModuleType('open_clip.model')
            class CLIP:
                pass
            CLIP.__module__ = 'open_clip.model'
            module.CLIP = CLIP
            sys.modules['open_clip'] = types.ModuleType('open_clip')
            sys.modules['open_clip.model'] = module
            model = CLIP()
            model.training = False
            folder = sys.argv[1]
            for protocol in (2, 4):
                with open(f'{folder}/model{protocol}.pkl', 'wb') as f:
                    pickle.dump(model, f, protocol=protocol)
            with open(f'{folder}/dict.pkl', 'wb') as f:
                pickle.dump({'epoch': 3}, f, protocol=2)
            """;
        var (code, log) = RunPython(script, [_dir]);
        Assert.True(code == 0, log);
        foreach (var protocol in new[] { 2, 4 })
        {
            var path = Path.Combine(_dir, $"finetuned{protocol}.pt");
            File.WriteAllBytes(path, Zip(("finetuned/data.pkl", File.ReadAllBytes(Path.Combine(_dir,
                $"model{protocol}.pkl"))), ("finetuned/version", "3\n"u8.ToArray())));
            var e = Assert.Throws<InvalidDataException>(() => ClipImageTower.Load(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("pickled open_clip.model.CLIP object", e.Message);
            var recipe = Recipe(e.Message);
            Assert.Contains($"torch.load('{path}', map_location='cpu', weights_only=False).state_dict()", recipe);
            var (parses, why) = RunPython("import ast, sys; ast.parse(sys.argv[1])", [recipe]);
            Assert.True(parses == 0, $"the recipe is not Python: {recipe}\n{why}");
        }
        var dict = Path.Combine(_dir, "checkpoint.pt");
        File.WriteAllBytes(dict, Zip(("checkpoint/data.pkl", File.ReadAllBytes(Path.Combine(_dir, "dict.pkl"))),
            ("checkpoint/version", "3\n"u8.ToArray())));
        var notTensors = Assert.Throws<InvalidDataException>(() => ParameterFiles.Load(dict));
        Assert.Contains(dict, notTensors.Message);
        Assert.Contains("'epoch'", notTensors.Message);
    }

    [Fact]
    public void A_float16_safetensors_file_written_by_python_reads_as_float32_values()
    {
        if (!File.Exists(Python))
        {
            output.WriteLine($"skipped: {Python} is absent (its struct module writes the float16 file of this test)");
            return;
        }
        // Names and shapes of a full CLIP dict; values ((37 k + 11 i) mod 101 − 50) / 64 are exact in float16.
        var spec = OpenClipVisualKeys(width: 64, layers: 2, patch: 4, grid: 2, output: 16)
            .Select(k => ("visual." + k.Name, k.Shape)).Append(("logit_scale", Array.Empty<long>()))
            .Append(("token_embedding.weight", new long[] { 30, 64 })).ToList();
        var specPath = Path.Combine(_dir, "spec.json");
        File.WriteAllText(specPath, JsonSerializer.Serialize(spec.Select(s => new object[] { s.Item1, s.Item2 })));
        const string writer = """
            import json, struct, sys
            spec = json.load(open(sys.argv[1]))
            header, chunks, position = {}, [], 0
            for i, (name, shape) in enumerate(spec):
                count = 1
                for s in shape:
                    count *= s
                data = struct.pack('<%de' % count, *[((37 * k + 11 * i) % 101 - 50) / 64 for k in range(count)])
                header[name] = {'dtype': 'F16', 'shape': shape, 'data_offsets': [position, position + len(data)]}
                chunks.append(data)
                position += len(data)
            text = json.dumps(header).encode()
            text += b' ' * (-len(text) % 8)
            with open(sys.argv[2], 'wb') as f:
                f.write(struct.pack('<Q', len(text)) + text + b''.join(chunks))
            """;
        var path = Path.Combine(_dir, "openai-half.safetensors");
        var (code, log) = RunPython(writer, [specPath, path]);
        Assert.True(code == 0, log);

        using var tower = ClipImageTower.Load(path);
        Assert.Equal(Tiny, tower.Model);
        for (int i = 0; i < spec.Count; i++)
        {
            var (name, shape) = spec[i];
            if (!name.StartsWith("visual.")) continue;
            var got = tower.Parameters[name["visual.".Length..]];
            Assert.Equal(ScalarType.Float32, got.dtype);
            Assert.Equal(shape, got.shape);
            var values = got.contiguous().data<float>().ToArray();
            for (int k = 0; k < values.Length; k++)
                Assert.True(values[k] == ((37 * k + 11 * i) % 101 - 50) / 64f, $"{name}[{k}] = {values[k]}");
        }
    }

    [Fact]
    public void A_loaded_tower_has_the_jvp_of_central_differences()
    {
        using var visual = Tiny.Initialize(seed: 6);
        // Non-trivial layer norms: the initialization's ones and zeros would hide their tangents' scale and shift.
        foreach (var n in visual.Names.Where(n => n.Contains("ln_")))
            visual[n].add_(randn(visual[n].shape, generator: new Generator(7)) * 0.3);
        using var clip = TinyClip(visual);
        var path = Path.Combine(_dir, "jvp.pt");
        ParameterFiles.Save(clip, path);
        using var tower = ClipImageTower.Load(path, dtype: ScalarType.Float64);
        Assert.Equal(ScalarType.Float64, tower.Parameters["proj"].dtype);
        var x = randn([2, 3, 8, 8], dtype: ScalarType.Float64, generator: new Generator(8));
        var direction = JvpAssert.RandomLike(tower.Parameters, seed: 9);
        JvpAssert.MatchesOracles(p => tower.Model.Forward(p, x), tower.Parameters, direction);
    }

    static (int Code, string Log) RunPython(string script, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Python)
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }

    // Python's standard library reads safetensors files: the 8-byte little-endian header length, the JSON header,
    // data offsets that tile the data without gaps, and every tensor's values by struct.
    const string SafetensorsReader = """
        import json, math, struct, sys
        result = {}
        for path in sys.argv[1:]:
            blob = open(path, 'rb').read()
            (n,) = struct.unpack('<Q', blob[:8])
            header = json.loads(blob[8:8 + n].decode('utf-8'))
            header.pop('__metadata__', None)
            data = blob[8 + n:]
            end = 0
            for start, stop in sorted(tuple(v['data_offsets']) for v in header.values()):
                assert start == end, f'{path}: data offsets leave a gap or overlap at {start}'
                end = stop
            assert end == len(data), f'{path}: offsets end at {end}, data has {len(data)} bytes'
            tensors = {}
            for name, v in header.items():
                count = math.prod(v['shape'])
                size, code = {'F32': (4, 'f'), 'F64': (8, 'd'), 'F16': (2, 'e')}[v['dtype']]
                start, stop = v['data_offsets']
                assert stop - start == count * size, f'{path}: {name} has {stop - start} bytes for {count} values'
                values = struct.unpack('<%d%s' % (count, code), data[start:stop])
                tensors[name] = {'dtype': v['dtype'], 'shape': v['shape'], 'head': list(values[:3]),
                                 'last': values[-1], 'sum': math.fsum(values)}
            result[path] = tensors
        print(json.dumps(result))
        """;

    [Fact]
    public void Written_encoders_and_task_vectors_are_float32_open_clip_safetensors_for_an_independent_reader()
    {
        if (!File.Exists(Python))
        {
            output.WriteLine($"skipped: {Python} is absent (the independent safetensors reader of this test)");
            return;
        }
        using var theta0 = Tiny.Initialize(seed: 10, ScalarType.Float64);
        using var thetaStar = Tiny.Initialize(seed: 11, ScalarType.Float64);
        using var tau = TaskVector.Between(theta0, thetaStar);
        using var edited = tau.ApplyTo(theta0, alpha: 0.5);                    // θ0 + τ/2, float64 here
        var encoder = Path.Combine(_dir, "encoder.safetensors");
        var merged = Path.Combine(_dir, "encoder-visual.safetensors");
        var vector = Path.Combine(_dir, "tau.safetensors");
        ClipImageTower.SaveEncoder(edited, encoder);
        ClipImageTower.SaveEncoder(edited, merged, withPrefix: true);
        tau.Save(vector, prefix: "visual.", dtype: ScalarType.Float32);

        var (code, log) = RunPython(SafetensorsReader, [encoder, merged, vector]);
        Assert.True(code == 0, log);
        using var document = JsonDocument.Parse(log);
        var keys = OpenClipVisualKeys(width: 64, layers: 2, patch: 4, grid: 2, output: 16);
        foreach (var (path, prefix, source) in new[] { (encoder, "", edited), (merged, "visual.", edited),
                     (vector, "visual.", tau.Entries) })
        {
            var file = document.RootElement.GetProperty(path);
            Assert.Equal(keys.Select(k => prefix + k.Name).Order(StringComparer.Ordinal),
                file.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            foreach (var (name, shape) in keys)
            {
                var entry = file.GetProperty(prefix + name);
                Assert.Equal("F32", entry.GetProperty("dtype").GetString());
                Assert.Equal(shape, entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray());
                var expected = source[name].to_type(ScalarType.Float32).contiguous().flatten();
                var head = entry.GetProperty("head").EnumerateArray().Select(v => v.GetDouble()).ToArray();
                for (int k = 0; k < head.Length; k++)
                    Assert.Equal((double)expected[k].item<float>(), head[k]);
                Assert.Equal((double)expected[-1].item<float>(), entry.GetProperty("last").GetDouble());
                double sum = expected.to_type(ScalarType.Float64).sum().item<double>();
                Assert.Equal(sum, entry.GetProperty("sum").GetDouble(), 1e-9 * Math.Max(1, Math.Abs(sum)));
            }
        }
        // The file is also what the kit reads back as the same encoder.
        using var back = ClipImageTower.Load(merged);
        Assert.Equal(Tiny, back.Model);
    }

    [Fact]
    public void An_encoder_to_save_must_have_exactly_the_towers_names()
    {
        using var theta = Tiny.Initialize(seed: 1);
        var path = Path.Combine(_dir, "bad.safetensors");
        using var partial = new ParameterSet().AddAll(theta.Where(n => n != "ln_post.bias"), t => t.clone());
        var e = Assert.Throws<ArgumentException>(() => ClipImageTower.SaveEncoder(partial, path));
        Assert.Contains("missing (1): ln_post.bias", e.Message);
        using var prefixed = new ParameterSet().AddAll(
            theta.Select(kv => KeyValuePair.Create("visual." + kv.Key, kv.Value)), t => t.clone());
        var p = Assert.Throws<ArgumentException>(() => ClipImageTower.SaveEncoder(prefixed, path));
        Assert.Contains("withPrefix", p.Message);
        Assert.False(File.Exists(path));
    }
}
