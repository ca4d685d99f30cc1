namespace TangentKit.Autodiff;

/// <summary>
/// How model code reads its parameters: by PyTorch state-dict name, as a dual number. A plain lookup gives
/// constants (plain forward); a dual lookup gives (θ0[name], δ[name]) and the same code then returns
/// (f(x; θ0), J·δ).
/// </summary>
public delegate Dual ParameterLookup(string name);
