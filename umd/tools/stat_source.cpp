// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "stat_source.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

namespace vsvm::tools {
namespace {

namespace fs = std::filesystem;

uint64_t lookup(const CounterList& counters, std::string_view name)
{
    for (const auto& [key, value] : counters)
        if (key == name)
            return value;
    return 0;
}

bool parseNumber(std::string_view text, uint64_t& value)
{
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && error == std::errc() && end == text.data() + text.size();
}

/// "name value" (leading blanks allowed) into @p counters.
bool parseCounterLine(std::string_view line, CounterList& counters)
{
    line.remove_prefix(std::min(line.find_first_not_of(' '), line.size()));
    std::size_t space = line.find(' ');
    uint64_t value = 0;
    if (space == 0 || space == std::string_view::npos || !parseNumber(line.substr(space + 1), value))
        return false;
    counters.emplace_back(std::string(line.substr(0, space)), value);
    return true;
}

std::vector<std::string_view> lines(std::string_view text)
{
    std::vector<std::string_view> result;
    while (!text.empty()) {
        std::size_t newline = text.find('\n');
        result.push_back(text.substr(0, newline));
        text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    }
    return result;
}

Result<std::string> slurp(const fs::path& path)
{
    std::ifstream file(path);
    if (!file)
        return Status::fromErrno(errno ? errno : EIO, fmt::format("read {}", path.string()));
    std::stringstream contents;
    contents << file.rdbuf();
    return contents.str();
}

uint64_t invalidations(const CounterList& counters)
{
    uint64_t total = 0;
    for (const auto& [name, value] : counters)
        if (name.starts_with("inval_") && name != "inval_nonblock_failed")
            total += value;
    return total;
}

const VmStat* findVm(const std::vector<DeviceStat>* devices, const std::string& device, const VmStat& vm)
{
    if (!devices)
        return nullptr;
    for (const DeviceStat& d : *devices)
        if (d.name == device)
            for (const VmStat& v : d.vms)
                if (v.id == vm.id && v.pid == vm.pid)
                    return &v;
    return nullptr;
}

const DeviceStat* findDevice(const std::vector<DeviceStat>* devices, const std::string& name)
{
    if (!devices)
        return nullptr;
    for (const DeviceStat& d : *devices)
        if (d.name == name)
            return &d;
    return nullptr;
}

std::string rate(uint64_t now, const uint64_t* before, double seconds)
{
    if (!before)
        return "-";
    return fmt::format("{:.0f}", ratePerSecond(now, *before, seconds));
}

} // namespace

uint64_t VmStat::get(std::string_view name) const
{
    return lookup(counters, name);
}

uint64_t DeviceStat::get(std::string_view name) const
{
    return lookup(counters, name);
}

Result<CounterList> parseCounters(std::string_view text)
{
    CounterList counters;
    for (std::string_view line : lines(text))
        if (!parseCounterLine(line, counters))
            return Status::error(EINVAL, fmt::format("counters: bad line '{}'", line));
    return counters;
}

Result<std::vector<VmStat>> parseVms(std::string_view text)
{
    std::vector<VmStat> vms;
    for (std::string_view line : lines(text)) {
        if (line.starts_with("vm ")) {
            // vm ID pid PID comm COMM, where COMM is the rest of the line.
            VmStat vm;
            std::istringstream header{std::string(line)};
            std::string vmWord, pidWord, commWord;
            if (!(header >> vmWord >> vm.id >> pidWord >> vm.pid >> commWord) || pidWord != "pid" ||
                commWord != "comm")
                return Status::error(EINVAL, fmt::format("vms: bad line '{}'", line));
            std::getline(header >> std::ws, vm.comm);
            vms.push_back(std::move(vm));
        } else if (vms.empty() || !line.starts_with(' ') || !parseCounterLine(line, vms.back().counters)) {
            return Status::error(EINVAL, fmt::format("vms: bad line '{}'", line));
        }
    }
    return vms;
}

Result<std::vector<DeviceStat>> readDevices(const std::string& debugfsDri, const std::string& sysfsDrm)
{
    std::error_code error;
    fs::directory_iterator entries(debugfsDri, error);
    if (error)
        return Status::fromErrno(error.value(), fmt::format("list {}", debugfsDri));

    std::vector<DeviceStat> devices;
    for (const fs::directory_entry& entry : entries) {
        std::string name = entry.path().filename().string();
        if (!name.starts_with("vsvm.") || !entry.is_directory())
            continue;
        DeviceStat device{.name = name, .renderNode = "", .counters = {}, .vms = {}};
        auto counters = slurp(entry.path() / "counters");
        if (!counters)
            return counters.status();
        auto parsedCounters = parseCounters(*counters);
        if (!parsedCounters)
            return parsedCounters.status().withContext(entry.path().string());
        device.counters = std::move(*parsedCounters);
        auto vms = slurp(entry.path() / "vms");
        if (!vms)
            return vms.status();
        auto parsedVms = parseVms(*vms);
        if (!parsedVms)
            return parsedVms.status().withContext(entry.path().string());
        device.vms = std::move(*parsedVms);
        devices.push_back(std::move(device));
    }

    // renderD<N>/device links to the platform device, which is named vsvm.<N>.
    for (const fs::directory_entry& entry : fs::directory_iterator(sysfsDrm, error)) {
        std::string node = entry.path().filename().string();
        if (!node.starts_with("renderD"))
            continue;
        std::string target = fs::read_symlink(entry.path() / "device", error).filename().string();
        for (DeviceStat& device : devices)
            if (!error && device.name == target)
                device.renderNode = "/dev/dri/" + node;
    }
    std::sort(devices.begin(), devices.end(), [](const DeviceStat& a, const DeviceStat& b) {
        return a.name.size() != b.name.size() ? a.name.size() < b.name.size() : a.name < b.name;
    });
    return devices;
}

bool debugfsMountedAt(std::string_view path, std::string_view mounts)
{
    fs::path target = fs::path(path).lexically_normal();
    for (std::string_view line : lines(mounts)) {
        // "none /sys/kernel/debug debugfs rw,relatime 0 0"
        std::istringstream fields{std::string(line)};
        std::string source, mountPoint, type;
        if (!(fields >> source >> mountPoint >> type) || type != "debugfs")
            continue;
        fs::path point = fs::path(mountPoint).lexically_normal();
        auto [end, unused] = std::mismatch(point.begin(), point.end(), target.begin(), target.end());
        if (end == point.end())
            return true;
    }
    return false;
}

std::string explainUnreadableDebugfs(const Status& error, std::string_view debugfsDri, bool root,
                                     bool debugfsMounted)
{
    // debugfs's top directory is root's alone, mounted or not: anyone else
    // first needs to be root.
    if (!root && (debugfsMounted || error.errnum() == EACCES || error.errnum() == EPERM))
        return "the counters are in debugfs, which only root may read: run vsvm-stat as root";
    std::string mountHint = "mount -t debugfs none /sys/kernel/debug";
    if (!debugfsMounted)
        return fmt::format("no debugfs is mounted at {} or above it: {}{}", debugfsDri, mountHint,
                           root ? "" : ", then run vsvm-stat as root");
    if (error.errnum() == ENOENT)
        return fmt::format("debugfs is mounted, but {} does not exist: no DRM driver is loaded (modprobe vsvm)",
                           debugfsDri);
    return fmt::format("debugfs is mounted, but {} cannot be read", debugfsDri);
}

double ratePerSecond(uint64_t now, uint64_t before, double seconds)
{
    if (seconds <= 0 || now < before)
        return 0;
    return static_cast<double>(now - before) / seconds;
}

std::string formatScreen(const std::vector<DeviceStat>& devices, const std::vector<DeviceStat>* previous,
                         double seconds)
{
    std::string text;
    for (const DeviceStat& device : devices) {
        const DeviceStat* before = findDevice(previous, device.name);
        uint64_t faults = device.get("faults");
        uint64_t inval = invalidations(device.counters);
        uint64_t faultsBefore = before ? before->get("faults") : 0;
        uint64_t invalBefore = before ? invalidations(before->counters) : 0;
        text += fmt::format("{}{}: {} VMs, {} files open, {} jobs timed out, {} ioctls rejected\n", device.name,
                            device.renderNode.empty() ? "" : " (" + device.renderNode + ")",
                            device.vms.size(), device.get("files_open"), device.get("jobs_timed_out"),
                            device.get("ioctls_rejected"));
        text += fmt::format("  faults {} ({}/s), fatal {}, retries {}; invalidations {} ({}/s); maps 4K {}, 2M {}; "
                            "PTEs zapped {}; TLB flushes {}\n",
                            faults, rate(faults, before ? &faultsBefore : nullptr, seconds),
                            device.get("faults_fatal"), device.get("fault_retries"), inval,
                            rate(inval, before ? &invalBefore : nullptr, seconds), device.get("mapped_4k"),
                            device.get("mapped_2m"), device.get("ptes_zapped"), device.get("tlb_flushes"));
        std::string groups;
        for (const auto& [name, value] : device.counters)
            if (name.starts_with("compute_groups."))
                groups += fmt::format(" {}:{}", name.substr(15), value);
        if (!groups.empty())
            text += "  workgroups per compute engine:" + groups + "\n";

        if (device.vms.empty()) {
            text += "  no VMs\n";
            continue;
        }
        text += fmt::format("  {:>4} {:>7} {:<15} {:>9} {:>7} {:>5} {:>7} {:>6} {:>8} {:>6} {:>8} {:>6} {:>8}\n",
                            "VM", "PID", "COMMAND", "FAULTS", "/s", "FATAL", "INVAL", "/s", "MAP4K", "MAP2M",
                            "ZAPPED", "PT_KiB", "FAULT_ms");
        for (const VmStat& vm : device.vms) {
            const VmStat* old = findVm(previous, device.name, vm);
            uint64_t vmFaults = vm.get("faults");
            uint64_t vmInval = invalidations(vm.counters);
            uint64_t oldFaults = old ? old->get("faults") : 0;
            uint64_t oldInval = old ? invalidations(old->counters) : 0;
            text += fmt::format("  {:>4} {:>7} {:<15} {:>9} {:>7} {:>5} {:>7} {:>6} {:>8} {:>6} {:>8} {:>6} {:>8.1f}\n",
                                vm.id, vm.pid, vm.comm.substr(0, 15), vmFaults,
                                rate(vmFaults, old ? &oldFaults : nullptr, seconds), vm.get("faults_fatal"), vmInval,
                                rate(vmInval, old ? &oldInval : nullptr, seconds), vm.get("mapped_4k"),
                                vm.get("mapped_2m"), vm.get("ptes_zapped"), vm.get("pt_bytes") / 1024,
                                static_cast<double>(vm.get("fault_ns")) / 1e6);
        }
    }
    return text;
}

nlohmann::json toJson(const std::vector<DeviceStat>& devices)
{
    auto counterObject = [](const CounterList& counters) {
        nlohmann::json object = nlohmann::json::object();
        for (const auto& [name, value] : counters)
            object[name] = value;
        return object;
    };
    nlohmann::json list = nlohmann::json::array();
    for (const DeviceStat& device : devices) {
        nlohmann::json vms = nlohmann::json::array();
        for (const VmStat& vm : device.vms)
            vms.push_back({{"id", vm.id}, {"pid", vm.pid}, {"comm", vm.comm},
                           {"counters", counterObject(vm.counters)}});
        list.push_back({{"name", device.name},
                        {"render_node", device.renderNode},
                        {"counters", counterObject(device.counters)},
                        {"vms", vms}});
    }
    return {{"devices", list}};
}

} // namespace vsvm::tools
