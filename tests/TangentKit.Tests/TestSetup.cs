using System.Runtime.CompilerServices;
using TangentKit.Native;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace TangentKit.Tests;

/// Runs before any test code: loads TorchSharp's natives and fixes the thread count (results depend on it in the last
/// bits).
static class TestSetup
{
    [ModuleInitializer]
    internal static void Init()
    {
        TorchNative.Prepare();
        torch.set_num_threads(1);
    }
}
