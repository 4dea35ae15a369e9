// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "vsvm/status.h"

// What vsvm-stat reads and prints, kept out of main() so that tests can check
// it against a made-up debugfs tree.
namespace vsvm::tools {

/// "name value" lines in file order.
using CounterList = std::vector<std::pair<std::string, uint64_t>>;

/// One VM of any process, from debugfs's vms file.
struct VmStat {
    uint32_t id = 0;
    int64_t pid = -1;
    std::string comm;
    CounterList counters;

    uint64_t get(std::string_view name) const;
};

/// One device: debugfs's counters file and its VMs.
struct DeviceStat {
    std::string name;       ///< the debugfs directory: "vsvm.0"
    std::string renderNode; ///< "/dev/dri/renderD128", or empty when unknown
    CounterList counters;
    std::vector<VmStat> vms;

    uint64_t get(std::string_view name) const;
};

/// The counters file: "name value" per line. EINVAL for a line of another form.
Result<CounterList> parseCounters(std::string_view text);

/// The vms file: "vm ID pid PID comm COMM" then "  name value" lines.
Result<std::vector<VmStat>> parseVms(std::string_view text);

/**
 * Every vsvm device under @p debugfsDri (/sys/kernel/debug/dri: the
 * directories vsvm.N), with its render node from @p sysfsDrm
 * (/sys/class/drm: renderD*'s device link names vsvm.N). ENOENT when
 * @p debugfsDri cannot be read; an empty list when it has no vsvm device.
 */
Result<std::vector<DeviceStat>> readDevices(const std::string& debugfsDri, const std::string& sysfsDrm);

/// Whether a debugfs is mounted at @p path or a directory above it, by the
/// contents of /proc/mounts (@p mounts).
bool debugfsMountedAt(std::string_view path, std::string_view mounts);

/**
 * What to do when readDevices() failed with @p error on @p debugfsDri, for a
 * user who is root or not (@p root), with debugfs mounted there or not: run
 * as root (only root may read debugfs), mount debugfs, or load the module
 * (debugfs is there, DRM's directory is not). Never tells root to run as root.
 */
std::string explainUnreadableDebugfs(const Status& error, std::string_view debugfsDri, bool root,
                                     bool debugfsMounted);

/// The rate of change of every counter of @p now since @p before, per second.
double ratePerSecond(uint64_t now, uint64_t before, double seconds);

/**
 * The screen of vsvm-stat: per device its main counters, then a table of
 * its VMs. With @p previous (the last snapshot, @p seconds ago) the fault and
 * invalidation columns also show rates.
 */
std::string formatScreen(const std::vector<DeviceStat>& devices, const std::vector<DeviceStat>* previous,
                         double seconds);

/// {"devices": [{"name", "render_node", "counters": {...}, "vms": [{"id", "pid", "comm", "counters"}]}]}.
nlohmann::json toJson(const std::vector<DeviceStat>& devices);

} // namespace vsvm::tools
