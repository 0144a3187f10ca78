using System.Text.RegularExpressions;
using Grpc.Core;

namespace DragGan.SoakTests;

/// <summary>
/// What refused a call, for the report: the setting its message names (every quota and limit
/// refusal names one, e.g. <c>Sessions:TenantQuota:Sessions</c>), else the status code.
/// </summary>
internal static partial class RefusalReason
{
    public static string Of(RpcException error)
    {
        var detail = error.Status.Detail ?? "";
        var setting = SettingName().Match(detail);
        if (setting.Success)
            return $"{error.StatusCode}: {setting.Value}";
        if (detail.Contains("rate limit", StringComparison.Ordinal))
            return $"{error.StatusCode}: rate limit (Sessions:RateLimit)";
        if (detail.Contains("drags, its limit", StringComparison.Ordinal))
            return $"{error.StatusCode}: drags at once (Sessions:TenantLimits:Drags)";
        if (detail.Contains("image generations, its limit", StringComparison.Ordinal))
            return $"{error.StatusCode}: generations at once (Sessions:TenantLimits:Generations)";
        if (detail.Contains("size ", StringComparison.Ordinal) && detail.Contains("passes", StringComparison.Ordinal))
            return $"{error.StatusCode}: size (Sessions:MaxSendMessageBytes)";
        return error.StatusCode.ToString();
    }

    [GeneratedRegex(@"Sessions:[A-Za-z]+(:[A-Za-z]+)*")]
    private static partial Regex SettingName();
}
