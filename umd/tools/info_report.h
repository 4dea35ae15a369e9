// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vsvm/device_info.h"

// What vsvm-info prints, kept out of main() so that tests can check it.
namespace vsvm::tools {

/// A device and its index in Device::enumerate()'s list (the --device number).
struct ListedDevice {
    std::size_t index;
    DeviceInfo info;
};

/// "4K", "2M", "1G"; a size that is not a whole number of KiB in bytes.
std::string formatSize(uint64_t bytes);

/// "0x0 (none)", or the mask and its names: "0x5 (FOO, unknown 0x4)".
std::string formatCapabilities(uint64_t capabilityBits);

std::string formatText(const std::vector<ListedDevice>& devices);

/// {"devices": [...]}: the same fields as the text, with numbers as numbers.
nlohmann::json toJson(const std::vector<ListedDevice>& devices);

} // namespace vsvm::tools
