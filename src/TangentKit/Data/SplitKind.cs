namespace TangentKit.Data;

/// <summary>Which split of a task an evaluation uses.</summary>
public enum SplitKind
{
    /// <summary>α selection.</summary>
    Validation,
    /// <summary>Reported numbers.</summary>
    Test,
}
