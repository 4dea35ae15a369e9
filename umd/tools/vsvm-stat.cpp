// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors
//
// vsvm-stat: the counters of every vsvm device and of every VM of any
// process, live like top or as one snapshot. It reads debugfs (root only):
// DRM_IOCTL_VSVM_VM_COUNTERS reaches only the caller's own VMs.

#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "cli.h"
#include "stat_source.h"

namespace {

/// Puts a terminal on stdin into single-key mode, and back on destruction.
class KeyReader {
public:
    KeyReader()
    {
        if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_) != 0)
            return;
        termios raw = saved_;
        raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        active_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    ~KeyReader()
    {
        if (active_)
            tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
    }
    KeyReader(const KeyReader&) = delete;
    KeyReader& operator=(const KeyReader&) = delete;

    /// Waits up to @p timeout for a key; true when it was q (or stdin ended).
    bool quitWithin(std::chrono::milliseconds timeout) const
    {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                              std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return false;
            if (!active_) {
                poll(nullptr, 0, static_cast<int>(left.count()));
                return false;
            }
            pollfd in{.fd = STDIN_FILENO, .events = POLLIN, .revents = 0};
            if (poll(&in, 1, static_cast<int>(left.count())) <= 0)
                continue;
            char key = 0;
            if (read(STDIN_FILENO, &key, 1) != 1 || key == 'q' || key == 'Q')
                return true;
        }
    }

private:
    termios saved_{};
    bool active_ = false;
};

} // namespace

int main(int argc, char** argv)
{
    CLI::App app{"Show the counters of every vsvm device and of every VM of any process: faults,\n"
                 "invalidations, device mappings. Live like top (q quits), or one snapshot with\n"
                 "--once or --json. Reads debugfs, so it needs root and a mounted debugfs."};
    app.set_version_flag("--version", "vsvm-stat " VSVM_VERSION);
    app.footer("Columns per VM: FAULTS device page faults (/s per second), FATAL faults that failed a\n"
               "job, INVAL invalidations of every event type, MAP4K/MAP2M device PTEs written,\n"
               "ZAPPED device PTEs removed (4K units), PT_KiB page-table memory, FAULT_ms time in\n"
               "faults. docs/tools.rst and docs/admin.rst describe every counter.\n"
               "Exit status: 0 on success; 1 when debugfs cannot be read or has no vsvm device\n"
               "(it says what to do: run as root, mount debugfs, load the module); 2 for bad options.");

    bool once = false;
    bool json = false;
    double interval = 1.0;
    unsigned count = 0;
    std::string debugfs = "/sys/kernel/debug/dri";
    std::string sysfs = "/sys/class/drm";
    app.add_flag("--once", once, "Print one snapshot and exit");
    app.add_flag("--json", json, "Print one snapshot as JSON and exit");
    app.add_option("-i,--interval", interval, "Seconds between refreshes (default 1)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0.05, 3600.0));
    app.add_option("-n,--count", count, "Stop after this many refreshes (default: until q)")
        ->type_name("N")
        ->check(CLI::Range(1u, 1000000000u));
    app.add_option("--debugfs", debugfs, "Where DRM's debugfs directories are")->type_name("DIR");
    app.add_option("--sysfs", sysfs, "Where the DRM class's sysfs entries are (to name render nodes)")
        ->type_name("DIR");
    if (auto exitStatus = vsvm::tools::parseCommandLine(app, argc, argv))
        return *exitStatus;

    auto snapshot = [&]() -> std::optional<std::vector<vsvm::tools::DeviceStat>> {
        auto devices = vsvm::tools::readDevices(debugfs, sysfs);
        if (!devices) {
            std::stringstream mounts;
            mounts << std::ifstream("/proc/mounts").rdbuf();
            bool mounted = vsvm::tools::debugfsMountedAt(debugfs, mounts.str());
            fmt::print(stderr, "vsvm-stat: {}\nvsvm-stat: {}\n", devices.status().message(),
                       vsvm::tools::explainUnreadableDebugfs(devices.status(), debugfs, geteuid() == 0, mounted));
            return std::nullopt;
        }
        if (devices->empty()) {
            fmt::print(stderr, "vsvm-stat: no vsvm device in {}: is the vsvm module loaded?\n", debugfs);
            return std::nullopt;
        }
        return std::move(*devices);
    };

    if (once || json) {
        auto devices = snapshot();
        if (!devices)
            return 1;
        if (json)
            fmt::print("{}\n", vsvm::tools::toJson(*devices).dump(2));
        else
            fmt::print("{}", vsvm::tools::formatScreen(*devices, nullptr, 0));
        return 0;
    }

    const bool screen = isatty(STDOUT_FILENO);
    KeyReader keys;
    std::optional<std::vector<vsvm::tools::DeviceStat>> previous;
    auto last = std::chrono::steady_clock::now();
    for (unsigned refresh = 1;; refresh++) {
        auto devices = snapshot();
        if (!devices)
            return 1;
        auto now = std::chrono::steady_clock::now();
        double seconds = std::chrono::duration<double>(now - last).count();
        last = now;
        // Home and clear on a terminal; a separator line in a pipe or file.
        fmt::print("{}", screen ? "\033[H\033[2J" : (refresh > 1 ? "\n" : ""));
        fmt::print("vsvm-stat: every {} s{}\n\n", interval, screen ? ", q to quit" : "");
        fmt::print("{}", vsvm::tools::formatScreen(*devices, previous ? &*previous : nullptr, seconds));
        std::fflush(stdout);
        previous = std::move(devices);
        if (count && refresh >= count)
            return 0;
        if (keys.quitWithin(std::chrono::milliseconds(std::llround(interval * 1000))))
            return 0;
    }
}
