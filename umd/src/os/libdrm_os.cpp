// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "os/libdrm_os.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <memory>
#include <ctime>
#include <utility>

#include <fmt/format.h>
#include <xf86drm.h>

namespace vsvm::os {
namespace {

// errno after a failed libc or libdrm call; EIO if the call left none.
int lastErrno()
{
    return errno != 0 ? errno : EIO;
}

std::string copyString(const char* text)
{
    return text ? std::string(text) : std::string();
}

// Render node names share one prefix, so the shorter name has the smaller
// number: renderD128 < renderD129 < renderD1000.
bool inNodeNumberOrder(const DrmNode& a, const DrmNode& b)
{
    if (a.path.size() != b.path.size())
        return a.path.size() < b.path.size();
    return a.path < b.path;
}

} // namespace

LibdrmOs::LibdrmOs(std::string deviceDir, std::string sysfsDir)
    : deviceDir_(std::move(deviceDir)), sysfsDir_(std::move(sysfsDir))
{
}

LibdrmOs::LibdrmOs() : LibdrmOs(DRM_DIR_NAME, "/sys") {}

// The render nodes are found by listing the device directory rather than with
// drmGetDevices2(): libdrm skips a platform device that has no device-tree
// node (it requires OF_FULLNAME in the device's uevent), and vsvm, like vgem
// and vkms, is exactly such a device on x86.
Result<std::vector<DrmNode>> LibdrmOs::enumerateDevices()
{
    namespace fs = std::filesystem;

    std::vector<DrmNode> nodes;
    std::error_code error;
    fs::directory_iterator entry(deviceDir_, error);
    if (error == std::errc::no_such_file_or_directory)
        return nodes; // no DRM driver is loaded: no device, which is not an error

    for (; !error && entry != fs::directory_iterator(); entry.increment(error)) {
        if (!entry->path().filename().string().starts_with(DRM_RENDER_MINOR_NAME))
            continue;

        // A node this user cannot open or identify is reported, with what
        // sysfs says about its driver: it may be the vsvm node the user wants.
        std::string path = entry->path().string();
        auto fd = open(path);
        auto version = fd ? getVersion(fd->get()) : Result<DriverVersion>(fd.status());
        if (version) {
            nodes.push_back({std::move(path), std::move(version->name), 0});
            continue;
        }
        if (fd && version.status().errnum() == ENOTTY)
            continue; // it opens but is no DRM device at all, so not vsvm's
        fs::path driver = fs::path(sysfsDir_) / "class/drm" / entry->path().filename() / "device/driver";
        std::error_code linkError;
        std::string sysfsName = fs::read_symlink(driver, linkError).filename().string();
        nodes.push_back({std::move(path), linkError ? std::string() : sysfsName, version.status().errnum()});
    }
    if (error)
        return Status::fromErrno(error.value(), fmt::format("list {}", deviceDir_));

    std::sort(nodes.begin(), nodes.end(), inNodeNumberOrder);
    return nodes;
}

bool LibdrmOs::driverLoaded(const std::string& name)
{
    std::error_code error;
    return std::filesystem::exists(std::filesystem::path(sysfsDir_) / "module" / name, error);
}

Result<UniqueFd> LibdrmOs::open(const std::string& path)
{
    return UniqueFd::open(path);
}

Result<DriverVersion> LibdrmOs::getVersion(int fd)
{
    std::unique_ptr<drmVersion, decltype(&drmFreeVersion)> version(drmGetVersion(fd),
                                                                   &drmFreeVersion);
    if (!version)
        return Status::fromErrno(lastErrno(), "DRM_IOCTL_VERSION");

    return DriverVersion{
        .name = copyString(version->name),
        .major = version->version_major,
        .minor = version->version_minor,
        .patchlevel = version->version_patchlevel,
        .description = copyString(version->desc),
    };
}

int LibdrmOs::ioctl(int fd, unsigned long request, void* arg)
{
    // drmIoctl() restarts the call on EINTR and EAGAIN.
    if (drmIoctl(fd, request, arg) == 0)
        return 0;
    return -lastErrno();
}

template <unsigned long Request, typename Args>
static int typedIoctl(Os& os, int fd, Args& args)
{
    static_assert(_IOC_SIZE(Request) == sizeof(Args), "ioctl request and argument struct differ");
    return os.ioctl(fd, Request, &args);
}

int LibdrmOs::vmCreate(int fd, drm_vsvm_vm_create& args)
{
    return typedIoctl<DRM_IOCTL_VSVM_VM_CREATE>(*this, fd, args);
}

int LibdrmOs::vmDestroy(int fd, drm_vsvm_vm_destroy& args)
{
    return typedIoctl<DRM_IOCTL_VSVM_VM_DESTROY>(*this, fd, args);
}

int LibdrmOs::exec(int fd, drm_vsvm_exec& args)
{
    return typedIoctl<DRM_IOCTL_VSVM_EXEC>(*this, fd, args);
}

int LibdrmOs::wait(int fd, drm_vsvm_wait& args)
{
    return typedIoctl<DRM_IOCTL_VSVM_WAIT>(*this, fd, args);
}

int LibdrmOs::vmCounters(int fd, drm_vsvm_vm_counters& args)
{
    return typedIoctl<DRM_IOCTL_VSVM_VM_COUNTERS>(*this, fd, args);
}

int LibdrmOs::vmPrefetch(int fd, drm_vsvm_vm_prefetch& args)
{
    return typedIoctl<DRM_IOCTL_VSVM_VM_PREFETCH>(*this, fd, args);
}

Result<uint32_t> LibdrmOs::syncobjCreate(int fd)
{
    uint32_t handle = 0;
    // drmSyncobjCreate() returns drmIoctl()'s -1 and leaves errno set.
    if (drmSyncobjCreate(fd, 0, &handle) != 0)
        return Status::fromErrno(lastErrno(), "DRM_IOCTL_SYNCOBJ_CREATE");
    return handle;
}

int LibdrmOs::syncobjDestroy(int fd, uint32_t handle)
{
    if (drmSyncobjDestroy(fd, handle) == 0)
        return 0;
    return -lastErrno();
}

int64_t LibdrmOs::monotonicNs()
{
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

Os& systemOs()
{
    static LibdrmOs os;
    return os;
}

} // namespace vsvm::os
