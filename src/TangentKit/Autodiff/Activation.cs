namespace TangentKit.Autodiff;

/// <summary>The non-linearities of the kit's models (see <see cref="DualOps.Activate"/>).</summary>
public enum Activation
{
    /// <summary>max(x, 0) (ResNets).</summary>
    Relu,
    /// <summary>Exact (erf) GELU.</summary>
    Gelu,
    /// <summary>CLIP's QuickGELU x·σ(1.702x).</summary>
    QuickGelu,
}
