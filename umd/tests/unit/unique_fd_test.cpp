// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include <cerrno>
#include <optional>
#include <type_traits>

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "vsvm/unique_fd.h"

namespace vsvm {
namespace {

static_assert(!std::is_copy_constructible_v<UniqueFd>);
static_assert(!std::is_copy_assignable_v<UniqueFd>);
static_assert(std::is_nothrow_move_constructible_v<UniqueFd>);
static_assert(std::is_nothrow_move_assignable_v<UniqueFd>);

bool isOpen(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

// A descriptor that nothing else in the test owns.
int newFd()
{
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    return fd;
}

TEST(UniqueFd, DefaultOwnsNothing)
{
    UniqueFd fd;
    EXPECT_FALSE(fd);
    EXPECT_EQ(fd.get(), -1);
}

TEST(UniqueFd, ClosesOnDestruction)
{
    int raw = newFd();
    {
        UniqueFd fd(raw);
        EXPECT_TRUE(isOpen(raw));
    }
    EXPECT_FALSE(isOpen(raw));
}

TEST(UniqueFd, MoveConstructionTransfersOwnership)
{
    int raw = newFd();
    std::optional<UniqueFd> from(std::in_place, raw);
    std::optional<UniqueFd> to(std::in_place, std::move(*from));
    EXPECT_EQ(from->get(), -1);

    from.reset(); // destroying the moved-from object must not close raw
    EXPECT_TRUE(isOpen(raw));
    EXPECT_EQ(to->get(), raw);

    to.reset();
    EXPECT_FALSE(isOpen(raw));
}

TEST(UniqueFd, MoveAssignmentClosesThePreviousDescriptor)
{
    int first = newFd();
    int second = newFd();
    UniqueFd fd(first);
    fd = UniqueFd(second);
    EXPECT_FALSE(isOpen(first));
    EXPECT_TRUE(isOpen(second));
    EXPECT_EQ(fd.get(), second);
}

TEST(UniqueFd, ReleaseGivesUpOwnership)
{
    int raw = newFd();
    {
        UniqueFd fd(raw);
        EXPECT_EQ(fd.release(), raw);
        EXPECT_FALSE(fd);
    }
    EXPECT_TRUE(isOpen(raw));
    ::close(raw);
}

TEST(UniqueFd, ResetClosesOnce)
{
    int raw = newFd();
    UniqueFd fd(raw);
    fd.reset();
    EXPECT_FALSE(isOpen(raw));
    EXPECT_FALSE(fd);

    // The number may now be reused by another open; a second close through
    // fd would close that one.
    int reused = newFd();
    fd.reset();
    EXPECT_TRUE(isOpen(reused));
    ::close(reused);
}

TEST(UniqueFd, OpenIsReadWriteAndCloseOnExec)
{
    auto fd = UniqueFd::open("/dev/null");
    ASSERT_TRUE(fd) << fd.status().message();
    EXPECT_EQ(fcntl(fd->get(), F_GETFL) & O_ACCMODE, O_RDWR);
    EXPECT_EQ(fcntl(fd->get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
}

TEST(UniqueFd, OpenFailureCarriesErrno)
{
    auto fd = UniqueFd::open("/nonexistent/vsvm");
    ASSERT_FALSE(fd);
    EXPECT_EQ(fd.status().errnum(), ENOENT);
    EXPECT_EQ(fd.status().context(), "open /nonexistent/vsvm");
}

} // namespace
} // namespace vsvm
