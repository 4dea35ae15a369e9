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
    LibdrmOs os("/nonexistent/dri");
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

    LibdrmOs os(dir);
    auto nodes = os.enumerateDevices();

    std::filesystem::remove_all(dir);
    ASSERT_TRUE(nodes) << nodes.status().message();
    EXPECT_TRUE(nodes->empty());
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
