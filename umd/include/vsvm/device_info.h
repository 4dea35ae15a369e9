// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// Thread safety: every type here is a value, and the functions are pure:
// use them from any number of threads.
namespace vsvm {

/// The DRM driver name of every vsvm render node.
inline constexpr std::string_view kDriverName = "vsvm";

/// What DRM_IOCTL_VERSION reports for a node. The driver date is left out:
/// DRM is dropping it from drivers.
struct DriverVersion {
    std::string name;
    int major = 0;
    int minor = 0;
    int patchlevel = 0;
    std::string description;
};

/// DRM_VSVM_PARAM_UAPI_VERSION split into its halves.
struct UapiVersion {
    uint32_t major = 0;
    uint32_t minor = 0;

    friend bool operator==(const UapiVersion&, const UapiVersion&) = default;
};

/// Decodes the raw DRM_VSVM_PARAM_UAPI_VERSION value, (major << 16) | minor.
UapiVersion decodeUapiVersion(uint64_t raw);

/// Everything DRM_IOCTL_VSVM_GET_PARAM reports about a device.
struct Capabilities {
    UapiVersion uapiVersion;
    uint64_t capabilityBits = 0; ///< DRM_VSVM_CAP_* bits
    uint32_t vaBits = 0;
    uint64_t pageSizes = 0; ///< each set bit is a page size in bytes
    uint32_t numDevices = 0;
};

/// One vsvm device: where it is, which driver runs it, what it can do.
struct DeviceInfo {
    std::string path; ///< render node, /dev/dri/renderD<N>
    DriverVersion driver;
    Capabilities caps;
};

/// Capability bits split into the names this UMD knows and the rest.
struct DecodedCapabilities {
    std::vector<std::string_view> names; ///< "DRM_VSVM_CAP_*" without the prefix
    uint64_t unknownBits = 0;            ///< bits this UMD has no name for
};

DecodedCapabilities decodeCapabilities(uint64_t capabilityBits);

/// The page sizes in a DRM_VSVM_PARAM_PAGE_SIZES mask, smallest first.
std::vector<uint64_t> pageSizeList(uint64_t pageSizeMask);

} // namespace vsvm
