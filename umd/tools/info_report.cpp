// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "info_report.h"

#include <array>
#include <iterator>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace vsvm::tools {

std::string formatSize(uint64_t bytes)
{
    constexpr std::array<char, 6> kUnits{'K', 'M', 'G', 'T', 'P', 'E'};

    if (bytes == 0 || bytes % 1024 != 0)
        return fmt::format("{}", bytes);
    std::size_t unit = 0;
    bytes /= 1024;
    while (bytes % 1024 == 0 && unit + 1 < kUnits.size()) {
        bytes /= 1024;
        unit++;
    }
    return fmt::format("{}{}", bytes, kUnits[unit]);
}

std::string formatCapabilities(uint64_t capabilityBits)
{
    DecodedCapabilities decoded = decodeCapabilities(capabilityBits);

    std::vector<std::string> parts(decoded.names.begin(), decoded.names.end());
    if (decoded.unknownBits)
        parts.push_back(fmt::format("unknown {:#x}", decoded.unknownBits));
    if (parts.empty())
        parts.push_back("none");
    return fmt::format("{:#x} ({})", capabilityBits, fmt::join(parts, ", "));
}

std::string formatText(const std::vector<ListedDevice>& devices)
{
    std::string text;
    auto out = std::back_inserter(text);
    for (const auto& [index, info] : devices) {
        std::vector<std::string> pageSizes;
        for (uint64_t size : pageSizeList(info.caps.pageSizes))
            pageSizes.push_back(formatSize(size));

        fmt::format_to(out, "vsvm device {}: {}\n", index, info.path);
        fmt::format_to(out, "  driver:        {} {}.{}.{} ({})\n", info.driver.name,
                       info.driver.major, info.driver.minor, info.driver.patchlevel,
                       info.driver.description);
        fmt::format_to(out, "  uapi version:  {}.{}\n", info.caps.uapiVersion.major,
                       info.caps.uapiVersion.minor);
        fmt::format_to(out, "  capabilities:  {}\n", formatCapabilities(info.caps.capabilityBits));
        fmt::format_to(out, "  va bits:       {}\n", info.caps.vaBits);
        fmt::format_to(out, "  page sizes:    {}\n", fmt::join(pageSizes, ", "));
        fmt::format_to(out, "  vsvm devices:  {}\n", info.caps.numDevices);
    }
    return text;
}

nlohmann::json toJson(const std::vector<ListedDevice>& devices)
{
    auto list = nlohmann::json::array();
    for (const auto& [index, info] : devices) {
        DecodedCapabilities capabilities = decodeCapabilities(info.caps.capabilityBits);
        list.push_back({
            {"index", index},
            {"path", info.path},
            {"driver",
             {
                 {"name", info.driver.name},
                 {"version", fmt::format("{}.{}.{}", info.driver.major, info.driver.minor,
                                         info.driver.patchlevel)},
                 {"description", info.driver.description},
             }},
            {"uapi_version",
             {{"major", info.caps.uapiVersion.major}, {"minor", info.caps.uapiVersion.minor}}},
            {"capabilities",
             {
                 {"mask", info.caps.capabilityBits},
                 {"names", capabilities.names},
                 {"unknown_mask", capabilities.unknownBits},
             }},
            {"va_bits", info.caps.vaBits},
            {"page_sizes", pageSizeList(info.caps.pageSizes)},
            {"num_devices", info.caps.numDevices},
        });
    }
    return {{"devices", list}};
}

} // namespace vsvm::tools
