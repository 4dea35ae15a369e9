// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// What vsvm-stat says when debugfs cannot be read: never "run as root" to root.

#include <cerrno>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "stat_source.h"

namespace vsvm::tools {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kMounts = "proc /proc proc rw 0 0\n"
                                "none /sys/kernel/debug debugfs rw,relatime 0 0\n";

TEST(StatSource, DebugfsMountsAreFoundAtOrAboveThePath)
{
    EXPECT_TRUE(debugfsMountedAt("/sys/kernel/debug/dri", kMounts));
    EXPECT_TRUE(debugfsMountedAt("/sys/kernel/debug", kMounts));
    EXPECT_FALSE(debugfsMountedAt("/sys/kernel/debugger/dri", kMounts));
    EXPECT_FALSE(debugfsMountedAt("/sys/kernel/debug/dri", "proc /proc proc rw 0 0\n"));
    EXPECT_FALSE(debugfsMountedAt("/tmp/dri", kMounts));
}

struct Case {
    int errnum;
    bool root;
    bool mounted;
    const char* advice;
};

TEST(StatSource, UnreadableDebugfsGetsTheAdviceThatFits)
{
    const Case cases[] = {
        {EACCES, false, true, "only root may read: run vsvm-stat as root"},
        {EACCES, false, false, "only root may read: run vsvm-stat as root"},
        {ENOENT, false, true, "only root may read: run vsvm-stat as root"},
        {ENOENT, false, false, "no debugfs is mounted at /sys/kernel/debug/dri or above it: mount -t debugfs none "
                               "/sys/kernel/debug, then run vsvm-stat as root"},
        {ENOENT, true, false, "no debugfs is mounted at /sys/kernel/debug/dri or above it: mount -t debugfs none "
                              "/sys/kernel/debug"},
        {ENOENT, true, true, "debugfs is mounted, but /sys/kernel/debug/dri does not exist: no DRM driver is loaded "
                             "(modprobe vsvm)"},
        {EIO, true, true, "debugfs is mounted, but /sys/kernel/debug/dri cannot be read"},
    };
    for (const Case& c : cases) {
        std::string advice = explainUnreadableDebugfs(Status::fromErrno(c.errnum, "list /sys/kernel/debug/dri"),
                                                      "/sys/kernel/debug/dri", c.root, c.mounted);
        EXPECT_THAT(advice, HasSubstr(c.advice)) << c.errnum << " root " << c.root << " mounted " << c.mounted;
        if (c.root) {
            EXPECT_THAT(advice, Not(HasSubstr("as root")));
        }
    }
}

} // namespace
} // namespace vsvm::tools
