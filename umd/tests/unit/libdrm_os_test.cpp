// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// The real seam, on files that are safe to touch on any host.

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "os/libdrm_os.h"
#include "vsvm_drm.h"

namespace vsvm::os {
namespace {

TEST(LibdrmOs, AMissingDeviceDirectoryMeansNoDevices)
{
    LibdrmOs os("/nonexistent/dri", "/nonexistent/sys");
    auto nodes = os.enumerateDevices();
    ASSERT_TRUE(nodes) << nodes.status().message();
    EXPECT_TRUE(nodes->empty());
}

TEST(LibdrmOs, SkipsFilesThatAreNotDrmNodes)
{
    std::string dir = ::testing::TempDir() + "vsvm-fake-dri-XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    // A "render node" that is a plain file: it opens, but is no DRM device.
    std::ofstream(dir + "/renderD128") << "not a device";

    LibdrmOs os(dir, dir);
    auto nodes = os.enumerateDevices();

    std::filesystem::remove_all(dir);
    ASSERT_TRUE(nodes) << nodes.status().message();
    EXPECT_TRUE(nodes->empty());
}

// A render node this user cannot open is reported with its errno and the
// driver sysfs names, not skipped. A directory stands for the node: opening
// it read-write fails (EISDIR) even for root, who may open any device.
TEST(LibdrmOs, ReportsNodesItCannotOpenWithTheirSysfsDriver)
{
    std::string dir = ::testing::TempDir() + "vsvm-fake-dri-XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    std::filesystem::create_directories(dir + "/dev/renderD128");
    std::filesystem::create_directories(dir + "/dev/renderD129");
    std::filesystem::create_directories(dir + "/sys/bus/platform/drivers/vsvm");
    std::filesystem::create_directories(dir + "/sys/class/drm/renderD128/device");
    std::filesystem::create_directory_symlink(dir + "/sys/bus/platform/drivers/vsvm",
                                              dir + "/sys/class/drm/renderD128/device/driver");

    LibdrmOs os(dir + "/dev", dir + "/sys");
    auto nodes = os.enumerateDevices();

    std::filesystem::remove_all(dir);
    ASSERT_TRUE(nodes) << nodes.status().message();
    ASSERT_EQ(nodes->size(), 2u);
    EXPECT_EQ((*nodes)[0].path, dir + "/dev/renderD128");
    EXPECT_EQ((*nodes)[0].driverName, "vsvm");
    EXPECT_EQ((*nodes)[0].openError, EISDIR);
    EXPECT_EQ((*nodes)[1].driverName, "") << "sysfs knows nothing of renderD129";
    EXPECT_EQ((*nodes)[1].openError, EISDIR);
}

TEST(LibdrmOs, DriverLoadedLooksForItsModuleInSysfs)
{
    std::string dir = ::testing::TempDir() + "vsvm-fake-sys-XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    std::filesystem::create_directories(dir + "/module/vsvm");

    LibdrmOs os("/nonexistent/dri", dir);
    bool vsvm = os.driverLoaded("vsvm");
    bool other = os.driverLoaded("vgem");

    std::filesystem::remove_all(dir);
    EXPECT_TRUE(vsvm);
    EXPECT_FALSE(other);
}

TEST(LibdrmOs, GetVersionOfANonDrmFileFails)
{
    LibdrmOs os;
    auto fd = os.open("/dev/null");
    ASSERT_TRUE(fd) << fd.status().message();

    auto version = os.getVersion(fd->get());

    ASSERT_FALSE(version);
    EXPECT_EQ(version.status().errnum(), ENOTTY);
}

TEST(LibdrmOs, IoctlReturnsTheNegativeErrno)
{
    LibdrmOs os;
    auto fd = os.open("/dev/null");
    ASSERT_TRUE(fd) << fd.status().message();
    drm_vsvm_get_param args{};

    EXPECT_EQ(os.ioctl(fd->get(), DRM_IOCTL_VSVM_GET_PARAM, &args), -ENOTTY);
}

} // namespace
} // namespace vsvm::os
