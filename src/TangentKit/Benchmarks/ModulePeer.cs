using TangentKit.Models;
using TangentKit.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TangentKit.Benchmarks;

/// <summary>
/// The in-process reference for the kit's standard training step: the same BasicBlock ResNet built from TorchSharp's
/// own <c>nn</c> modules (torchvision's state-dict names, batch norm in eval mode) and trained with
/// <c>torch.optim.AdamW</c> and <c>nn.utils.clip_grad_norm_</c>. Timed beside the kit's step in one run, it shows the
/// kit's overhead over plain TorchSharp (<c>tangent bench</c>).
/// </summary>
public sealed class ModulePeer : IDisposable
{
    readonly ResNetModule _net;
    readonly optim.Optimizer _optimizer;
    readonly Parameter[] _parameters;

    /// <summary>
    /// The peer of <paramref name="model"/> holding a copy of <paramref name="theta0"/> (names and shapes checked).
    /// </summary>
    public ModulePeer(ResNet model, ParameterSet theta0, double learningRate, double weightDecay)
    {
        _net = new ResNetModule(model, theta0.Device);
        var state = _net.state_dict();
        var missing = state.Keys.Where(k => !theta0.ContainsKey(k)).ToList();
        if (missing.Count > 0)
            throw new ArgumentException($"θ0 lacks the peer's entries {string.Join(", ", missing.Take(5))}.",
                nameof(theta0));
        using (no_grad())
            foreach (var (name, t) in state)
            {
                var source = theta0[name];
                if (!source.shape.SequenceEqual(t.shape))
                    throw new ArgumentException($"θ0 entry '{name}' is [{string.Join(", ", source.shape)}], " +
                        $"the peer's [{string.Join(", ", t.shape)}].", nameof(theta0));
                t.copy_(source);
            }
        _net.eval();                                          // batch norm on running statistics, as the kit's models
        _parameters = _net.parameters().ToArray();
        _optimizer = optim.AdamW(_parameters, learningRate, weight_decay: weightDecay);
    }

    /// <summary>Features f(x; θ) of the peer network (records autograd).</summary>
    public Tensor Forward(Tensor x) => _net.forward(x);

    /// <summary>
    /// One standard step: loss through <paramref name="head"/>, backward, clipping, AdamW; returns the loss.
    /// </summary>
    public double Step(Tensor inputs, Tensor labels, FrozenHead head, double clipNorm = 1.0,
        StepProfile? profile = null)
    {
        using var scope = NewDisposeScope();
        profile?.Start();
        _optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(head.Logits(_net.forward(inputs)), labels);
        double value = loss.ToDouble();
        profile?.End(0);
        loss.backward();
        profile?.End(1);
        nn.utils.clip_grad_norm_(_parameters, clipNorm);
        profile?.End(2);
        _optimizer.step();
        profile?.End(3);
        return value;
    }

    /// <summary>The peer's parameters and buffers by state-dict name (live tensors, not copies).</summary>
    public IReadOnlyDictionary<string, Tensor> State => _net.state_dict();

    /// <summary>Frees the network and the optimizer's state.</summary>
    public void Dispose()
    {
        _optimizer.Dispose();
        _net.Dispose();
    }

    // torchvision's ResNet without its classifier: conv1, bn1, relu, maxpool, layer1..4, global average pooling.
    sealed class ResNetModule : nn.Module<Tensor, Tensor>
    {
        readonly Conv2d conv1;
        readonly BatchNorm2d bn1;
        readonly Sequential layer1, layer2, layer3, layer4;

        public ResNetModule(ResNet model, Device device) : base("resnet")
        {
            conv1 = nn.Conv2d(model.InChannels, model.Widths[0], 7, stride: 2, padding: 3, bias: false,
                device: device);
            bn1 = nn.BatchNorm2d(model.Widths[0], device: device);
            long inWidth = model.Widths[0];
            var layers = new Sequential[4];
            for (int l = 0; l < 4; l++)
            {
                var blocks = new List<nn.Module<Tensor, Tensor>>();
                for (int b = 0; b < model.Blocks[l]; b++)
                {
                    int stride = l > 0 && b == 0 ? 2 : 1;
                    blocks.Add(new BasicBlock(inWidth, model.Widths[l], stride, device));
                    inWidth = model.Widths[l];
                }
                layers[l] = nn.Sequential(blocks.ToArray());
            }
            (layer1, layer2, layer3, layer4) = (layers[0], layers[1], layers[2], layers[3]);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var h = nn.functional.max_pool2d(nn.functional.relu(bn1.forward(conv1.forward(x))), 3, 2, 1);
            h = layer4.forward(layer3.forward(layer2.forward(layer1.forward(h))));
            return nn.functional.adaptive_avg_pool2d(h, 1).flatten(1).MoveToOuterDisposeScope();
        }
    }

    sealed class BasicBlock : nn.Module<Tensor, Tensor>
    {
        readonly Conv2d conv1, conv2;
        readonly BatchNorm2d bn1, bn2;
        readonly Sequential? downsample;

        public BasicBlock(long inWidth, long width, int stride, Device device) : base("block")
        {
            conv1 = nn.Conv2d(inWidth, width, 3, stride: stride, padding: 1, bias: false, device: device);
            bn1 = nn.BatchNorm2d(width, device: device);
            conv2 = nn.Conv2d(width, width, 3, padding: 1, bias: false, device: device);
            bn2 = nn.BatchNorm2d(width, device: device);
            if (stride != 1 || inWidth != width)
                downsample = nn.Sequential(nn.Conv2d(inWidth, width, 1, stride: stride, bias: false, device: device),
                    nn.BatchNorm2d(width, device: device));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var h = bn2.forward(conv2.forward(nn.functional.relu(bn1.forward(conv1.forward(x)))));
            var shortcut = downsample is null ? x : downsample.forward(x);
            return nn.functional.relu(h + shortcut).MoveToOuterDisposeScope();
        }
    }
}
