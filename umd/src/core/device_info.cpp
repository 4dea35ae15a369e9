// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "vsvm/device_info.h"

#include <array>

#include "vsvm_drm.h"

namespace vsvm {
namespace {

struct CapabilityName {
    uint64_t bit;
    std::string_view name;
};

// One entry per DRM_VSVM_CAP_* bit, added with the bit in the uapi header.
constexpr std::array kCapabilityNames{
    CapabilityName{DRM_VSVM_CAP_SVM, "svm"},
    CapabilityName{DRM_VSVM_CAP_COPY_ENGINE, "copy-engine"},
    CapabilityName{DRM_VSVM_CAP_PREFETCH, "prefetch"},
    CapabilityName{DRM_VSVM_CAP_COMPUTE, "compute"},
    CapabilityName{DRM_VSVM_CAP_PIDFD_VM, "pidfd-vm"},
    CapabilityName{DRM_VSVM_CAP_DEVICE_MEMORY, "device-memory"},
};

constexpr bool namesOnlyDefinedCapabilities()
{
    for (const auto& capability : kCapabilityNames) {
        if (capability.bit & ~DRM_VSVM_CAPS_ALL)
            return false;
    }
    return true;
}
static_assert(namesOnlyDefinedCapabilities(), "a named bit is missing from DRM_VSVM_CAPS_ALL");

} // namespace

UapiVersion decodeUapiVersion(uint64_t raw)
{
    return {.major = static_cast<uint32_t>(raw >> 16), .minor = static_cast<uint32_t>(raw & 0xffff)};
}

DecodedCapabilities decodeCapabilities(uint64_t capabilityBits)
{
    DecodedCapabilities decoded;
    decoded.unknownBits = capabilityBits;
    for (const auto& capability : kCapabilityNames) {
        if (capabilityBits & capability.bit) {
            decoded.names.push_back(capability.name);
            decoded.unknownBits &= ~capability.bit;
        }
    }
    return decoded;
}

std::vector<uint64_t> pageSizeList(uint64_t pageSizeMask)
{
    std::vector<uint64_t> sizes;
    for (unsigned shift = 0; shift < 64; shift++) {
        uint64_t size = uint64_t{1} << shift;
        if (pageSizeMask & size)
            sizes.push_back(size);
    }
    return sizes;
}

} // namespace vsvm
