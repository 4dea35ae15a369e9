// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// Events and the commands of a queue.
//
// A command is submitted while it is enqueued. A device command (a kernel,
// a copy, a fill the copy engine can do) submits its jobs and returns; its
// event holds them (a Completion, which owns their syncobjs). Each job
// waits, in the kernel, for the last job of its queue and for the jobs of
// the events in its wait list (in-syncobjs), so a queue is in order whatever
// its properties say, across the compute and the copy engine, and the jobs
// of a queue end in their order. A command with nothing to do (a marker, a
// barrier, a map) submits nothing: it ends when those jobs have ended, and
// the next command of its queue waits for them all; an SVM free is one of
// these, and frees the memory as it finishes (_cl_event::onEnd). A command
// the CPU does (every command of the emulator) first waits for those jobs,
// then runs in its enqueue.
//
// A command with jobs is finished (its end time, its status, its callbacks)
// by the first thread that sees its jobs end: the completion thread, which
// waits for every job in submission order, or a thread that waits for or
// polls its event. Finishing a command first finishes those before it in
// its queue (settle()). Until then the command keeps its events, buffers
// and arguments alive (InFlight), and its event keeps its queue and context.
//
// A command that waits for an event with neither jobs nor a final status (a
// user event, or a command deferred for one) cannot be submitted: the
// kernel refuses an in-syncobj without a fence. It is deferred, and so is
// every later command of its queue; they are submitted in the queue's order
// on the thread that completes the last event they wait for
// (clSetUserEventStatus, or the finishing of a command) or in clFinish.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <new>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "info.h"
#include "printf.h"
#include "vsvm_drm.h"

using namespace vsvm::opencl;

_cl_event::_cl_event() : Object(Kind::Event) {}

namespace {

cl_ulong nowNs()
{
    return static_cast<cl_ulong>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
}

void destroy(cl_event event)
{
    cl_context context = event->context;
    cl_command_queue queue = event->queue;
    delete event;
    if (queue)
        clReleaseCommandQueue(queue);
    clReleaseContext(context);
}

void drainDeferred();

// Moves @p event to @p status (queued to submitted to running to complete,
// or failed) and runs the callbacks that status reaches. A final status
// (complete or failed) finishes the event once its callbacks have run, and
// may let deferred commands run.
void setStatus(cl_event event, cl_int status)
{
    std::vector<std::pair<void(CL_CALLBACK*)(cl_event, cl_int, void*), void*>> due;
    {
        std::lock_guard lock(event->mutex);
        event->status = status;
        auto it = event->callbacks.begin();
        while (it != event->callbacks.end()) {
            // A failed command reaches every callback with its error.
            if (status <= it->first) {
                due.push_back(it->second);
                it = event->callbacks.erase(it);
            } else {
                ++it;
            }
        }
    }
    event->changed.notify_all();
    for (auto& [fn, data] : due)
        fn(event, status, data);
    if (status > CL_COMPLETE)
        return;
    // Waiters return after the callbacks: a callback may not block (the
    // spec leaves blocking calls in callbacks undefined), so they cannot
    // wait for each other.
    {
        std::lock_guard lock(event->mutex);
        event->finished = true;
    }
    event->changed.notify_all();
    drainDeferred();
}

cl_int eventStatus(cl_event event)
{
    std::lock_guard lock(event->mutex);
    return event->status;
}

std::shared_ptr<const Completion> eventJobs(cl_event event)
{
    std::lock_guard lock(event->mutex);
    return event->completion;
}

// Logs a failed command, and tells the context's callback.
void report(cl_event event, const ExecResult& result)
{
    if (result.status >= 0 || result.status == CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST)
        return;
    std::string message = fmt::format("command {:#x} failed: {}", event->type, result.error);
    logLine(message);
    cl_context context = event->context;
    if (context->notify)
        context->notify(message.c_str(), nullptr, 0, context->notifyData);
}

// The job that runs is the oldest of its queue: its start is now, as far as
// the queue can tell (caller holds the queue's inflightMutex).
void markRunning(cl_event event)
{
    std::lock_guard lock(event->mutex);
    if (event->status == CL_SUBMITTED) {
        event->status = CL_RUNNING;
        event->times[2] = nowNs();
    }
}

cl_int waitEvent(cl_event event);

// Runs what @p event's command does once its work has ended (a kernel's
// printf output, an SVM free), before its status, @p status, is final: a
// wait or clFinish returns after it.
void runOnEnd(cl_event event, cl_int status)
{
    std::function<void(cl_int)> onEnd;
    {
        std::lock_guard lock(event->mutex);
        std::swap(onEnd, event->onEnd);
    }
    if (onEnd)
        onEnd(status);
}

// Finishes @p event, whose jobs have ended: its end time, its status (a
// failed job, or a failed event it waited for), the report of a failure.
void finish(cl_event event, InFlight kept)
{
    ExecResult result = event->completion->wait();
    for (cl_event wait : kept.waits)
        if (waitEvent(wait) < 0 && result.status == CL_COMPLETE)
            result = {CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST, "a command it waits for failed"};
    {
        std::lock_guard lock(event->mutex);
        if (!event->times[2])
            event->times[2] = nowNs();
        event->times[3] = nowNs();
    }
    report(event, result);
    for (cl_event wait : kept.waits)
        clReleaseEvent(wait);
    for (cl_mem mem : kept.uses)
        clReleaseMemObject(mem);
    runOnEnd(event, result.status);
    kept.work = nullptr;
    setStatus(event, result.status);
}

// Finishes the commands of @p queue whose jobs were submitted, in order, up
// to @p last: @p last's jobs have ended, so have those before them (a
// queue's jobs end in order). Nothing when @p last is finished already.
void settle(cl_command_queue queue, cl_event last)
{
    // The events finished here may hold the last references to the queue.
    clRetainCommandQueue(queue);
    for (bool more = true; more;) {
        cl_event event;
        InFlight kept;
        {
            std::lock_guard lock(queue->inflightMutex);
            auto& inflight = queue->inflight;
            if (std::find(inflight.begin(), inflight.end(), last) == inflight.end())
                break;
            event = inflight.front();
            inflight.pop_front();
            queue->finishing.push_back(event);
            kept = std::move(*event->inflight);
            event->inflight.reset();
            if (!inflight.empty())
                markRunning(inflight.front());
        }
        more = event != last;
        finish(event, std::move(kept));
        {
            std::lock_guard lock(queue->inflightMutex);
            std::erase(queue->finishing, event);
        }
        clReleaseEvent(event); // the inflight list's reference
    }
    clReleaseCommandQueue(queue);
}

// Waits until @p event is finished (its final status set, its callbacks
// run) and returns its status. A command with jobs is finished by the
// first thread that sees them end: this one, if no other is faster.
cl_int waitEvent(cl_event event)
{
    if (std::shared_ptr<const Completion> jobs = eventJobs(event)) {
        (void)jobs->wait();
        settle(event->queue, event);
    }
    std::unique_lock lock(event->mutex);
    event->changed.wait(lock, [&] { return event->finished; });
    return event->status;
}

// The status of @p event; a command whose jobs have ended is finished first.
cl_int pollEvent(cl_event event)
{
    std::shared_ptr<const Completion> jobs = eventJobs(event);
    if (jobs && eventStatus(event) > CL_COMPLETE && jobs->poll())
        settle(event->queue, event);
    return eventStatus(event);
}

// The completion thread: waits for the jobs of every command with jobs, in
// submission order, and finishes them, so that their callbacks run even if
// the application never waits. Started at the first job; never stopped or
// destroyed: it may be waiting for a job when the process exits, and
// callbacks may run at exit.
struct Completer {
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<cl_event> events; // a reference each
    bool started = false;
};

Completer& completer()
{
    static Completer* c = new Completer;
    return *c;
}

void completeLoop()
{
    Completer& c = completer();
    for (;;) {
        cl_event event;
        {
            std::unique_lock lock(c.mutex);
            c.changed.wait(lock, [&] { return !c.events.empty(); });
            event = c.events.front();
            c.events.pop_front();
        }
        (void)eventJobs(event)->wait();
        settle(event->queue, event);
        clReleaseEvent(event);
    }
}

// Gives the completion thread @p event, whose jobs were submitted.
void watch(cl_event event)
{
    Completer& c = completer();
    clRetainEvent(event);
    std::lock_guard lock(c.mutex);
    c.events.push_back(event);
    if (!c.started) {
        try {
            std::thread(completeLoop).detach();
            c.started = true;
        } catch (const std::system_error& e) {
            // Waits and polls still finish commands; callbacks wait for them.
            logLine(fmt::format("no completion thread ({}): event callbacks run only when the application waits",
                                e.what()));
        }
    }
    c.changed.notify_one();
}

// The wait list's checks: every event valid and of the queue's context.
cl_int checkWaitList(cl_command_queue queue, cl_uint count, const cl_event* events)
{
    if ((count == 0) != (events == nullptr))
        return CL_INVALID_EVENT_WAIT_LIST;
    for (cl_uint i = 0; i < count; i++) {
        if (!isValid(events[i], Kind::Event))
            return CL_INVALID_EVENT_WAIT_LIST;
        if (events[i]->context != queue->context)
            return CL_INVALID_CONTEXT;
    }
    return CL_SUCCESS;
}

struct Command {
    cl_command_queue queue;
    cl_command_type type;
    cl_uint waitCount;
    const cl_event* waitList;
    cl_event* eventOut;
    bool blocking = false;
    /// The buffers the command uses: it keeps them until it is finished.
    std::vector<cl_mem> uses = {};
    /// _cl_event::onEnd.
    std::function<void(cl_int status)> onEnd = {};
};

// Work the CPU does, once the jobs before it have ended.
template <typename F>
Work onHost(F fn)
{
    return [fn = std::move(fn)](const Dependencies& after) mutable -> Completion {
        waitFor(after);
        return fn();
    };
}

// The work of a command that has nothing to do but come after the others:
// none. It ends when the jobs it comes after have ended (Completion::after()).
Work nothing()
{
    return {};
}

// Submits @p event's command: @p work runs after the last job of the queue
// and the jobs of @p waits (events with jobs or a final status; one that
// failed fails the command, which then does not run). A command with jobs
// is finished when they end (settle()); one done on the host, at once.
void execute(cl_event event, const std::vector<cl_event>& waits, bool dependencyFailed, const Work& work,
             const std::vector<cl_mem>& uses)
{
    cl_command_queue queue = event->queue;
    ExecResult result;
    cl_event before = nullptr; // the queue's last command with jobs, a reference
    {
        std::lock_guard lock(queue->mutex);
        std::vector<std::shared_ptr<const Completion>> earlier;
        if (queue->lastJob)
            earlier.push_back(queue->lastJob);
        std::vector<cl_event> running;
        for (cl_event wait : waits) {
            std::lock_guard waitLock(wait->mutex);
            dependencyFailed |= wait->status < 0;
            if (wait->status > CL_COMPLETE && wait->completion) {
                earlier.push_back(wait->completion);
                running.push_back(wait);
            }
        }
        Dependencies after;
        for (const auto& command : earlier)
            command->addTo(after);
        if (after.size() > DRM_VSVM_EXEC_MAX_IN_SYNCOBJS) {
            // More than a job may wait for: the host waits for the rest.
            waitFor({after.begin() + DRM_VSVM_EXEC_MAX_IN_SYNCOBJS, after.end()});
            after.erase(after.begin() + DRM_VSVM_EXEC_MAX_IN_SYNCOBJS, after.end());
        }
        {
            std::lock_guard eventLock(event->mutex);
            event->times[2] = nowNs();
        }
        Completion done;
        if (dependencyFailed) {
            waitFor(after);
            done = ExecResult{CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST, "a command it waits for failed"};
        } else if (work) {
            done = work(after);
        } else {
            done = Completion::after(earlier);
        }
        if (done.hasJobs()) {
            auto jobs = std::make_shared<const Completion>(std::move(done));
            queue->lastJob = jobs;
            {
                std::lock_guard eventLock(event->mutex);
                event->completion = jobs;
                event->status = CL_SUBMITTED;
                event->times[2] = 0; // set when it is the oldest of its queue
            }
            for (cl_event wait : running)
                clRetainEvent(wait);
            for (cl_mem mem : uses)
                clRetainMemObject(mem);
            clRetainEvent(event);
            {
                std::lock_guard inflightLock(queue->inflightMutex);
                event->inflight = InFlight{running, uses, work};
                queue->inflight.push_back(event);
                if (queue->inflight.size() == 1)
                    markRunning(event);
            }
            watch(event);
            return;
        }
        result = done.wait();
        {
            std::lock_guard eventLock(event->mutex);
            event->status = CL_RUNNING;
            event->times[3] = nowNs();
        }
        // It came after the jobs submitted before it: finish their commands
        // first, so that the queue's events finish in order.
        std::lock_guard inflightLock(queue->inflightMutex);
        if (!queue->inflight.empty()) {
            before = queue->inflight.back();
            clRetainEvent(before);
        }
    }
    if (before) {
        settle(queue, before);
        clReleaseEvent(before);
    }
    runOnEnd(event, result.status);
    report(event, result);
    setStatus(event, result.status);
}

// The deferred commands of every queue, in each queue's order.
struct DeferredCommand {
    cl_event event;                  // a reference of its own
    std::vector<cl_event> waits;     // references of their own
    std::vector<cl_mem> uses;        // references of their own
    Work work;
};

struct Deferred {
    std::mutex mutex;
    std::condition_variable changed;
    std::map<cl_command_queue, std::deque<DeferredCommand>> queues;
    // A thread running deferred commands; the others leave them to it, and
    // say with again that it must look once more.
    bool draining = false;
    bool again = false;
};

Deferred& deferred()
{
    static Deferred* d = new Deferred; // never destroyed: callbacks may run at exit
    return *d;
}

bool queueHasDeferred(cl_command_queue queue)
{
    Deferred& d = deferred();
    std::lock_guard lock(d.mutex);
    auto it = d.queues.find(queue);
    return it != d.queues.end() && !it->second.empty();
}

// Submits every deferred command whose wait list has completed, each queue
// in its order, until none can be. Re-entered by the commands' own status
// changes, which it leaves to the outer loop.
void drainDeferred()
{
    Deferred& d = deferred();
    std::unique_lock lock(d.mutex);
    if (d.draining) {
        d.again = true;
        return;
    }
    d.draining = true;
    for (bool progress = true; progress || d.again;) {
        progress = d.again = false;
        for (auto& [queue, commands] : d.queues) {
            if (commands.empty())
                continue;
            DeferredCommand& front = commands.front();
            bool ready = true, failed = false;
            for (cl_event wait : front.waits) {
                cl_int status = eventStatus(wait);
                ready &= status <= CL_COMPLETE;
                failed |= status < 0;
            }
            if (!ready)
                continue;
            DeferredCommand command = std::move(front);
            commands.pop_front();
            lock.unlock();
            execute(command.event, command.waits, failed, command.work, command.uses);
            for (cl_event wait : command.waits)
                clReleaseEvent(wait);
            for (cl_mem mem : command.uses)
                clReleaseMemObject(mem);
            clReleaseEvent(command.event);
            lock.lock();
            progress = true;
            break; // the map may have changed
        }
    }
    std::erase_if(d.queues, [](const auto& entry) { return entry.second.empty(); });
    d.draining = false;
    d.changed.notify_all();
}

// Runs @p work as command @p c: checks the wait list, records the times,
// gives the event. What the work ends with is the event's status
// (CL_COMPLETE or a negative error, logged). A command that waits for an
// event that has neither jobs nor a final status, or that follows a
// deferred command of its queue, is deferred (see the top); a blocking one
// then waits for its end.
cl_int run(const Command& c, Work work)
{
    if (!isValid(c.queue, Kind::Queue))
        return CL_INVALID_COMMAND_QUEUE;
    if (cl_int e = checkWaitList(c.queue, c.waitCount, c.waitList); e != CL_SUCCESS)
        return e;
    bool dependencyFailed = false, pending = queueHasDeferred(c.queue);
    for (cl_uint i = 0; i < c.waitCount; i++) {
        std::lock_guard lock(c.waitList[i]->mutex);
        cl_int status = c.waitList[i]->status;
        pending |= status > CL_COMPLETE && !c.waitList[i]->completion;
        dependencyFailed |= status < 0;
    }
    if (dependencyFailed && c.blocking && !pending)
        return CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST;
    auto* event = new (std::nothrow) _cl_event;
    if (!event)
        return CL_OUT_OF_HOST_MEMORY;
    event->context = c.queue->context;
    event->queue = c.queue;
    event->type = c.type;
    event->onEnd = c.onEnd;
    clRetainContext(event->context);
    clRetainCommandQueue(c.queue);
    event->times[0] = nowNs();
    std::vector<cl_event> waits(c.waitList, c.waitList + c.waitCount);
    if (!pending) {
        event->times[1] = event->times[0];
        execute(event, waits, dependencyFailed, work, c.uses);
    } else {
        DeferredCommand command{event, std::move(waits), c.uses, std::move(work)};
        clRetainEvent(event);
        for (cl_event wait : command.waits)
            clRetainEvent(wait);
        for (cl_mem mem : command.uses)
            clRetainMemObject(mem);
        {
            Deferred& d = deferred();
            std::lock_guard lock(d.mutex);
            d.queues[c.queue].push_back(std::move(command));
        }
        event->times[1] = nowNs();
        setStatus(event, CL_SUBMITTED);
        // Its events may have completed since they were looked at.
        drainDeferred();
    }
    cl_int status = c.blocking ? waitEvent(event) : CL_COMPLETE;
    if (c.eventOut)
        *c.eventOut = event;
    else
        clReleaseEvent(event);
    if (c.blocking && status < 0)
        return CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST;
    return CL_SUCCESS;
}

bool overlaps(const void* a, const void* b, std::size_t size)
{
    auto x = reinterpret_cast<std::uintptr_t>(a), y = reinterpret_cast<std::uintptr_t>(b);
    return x < y + size && y < x + size;
}

bool validPatternSize(std::size_t size)
{
    return size && size <= 128 && (size & (size - 1)) == 0;
}

cl_int checkBuffer(cl_command_queue queue, cl_mem mem)
{
    if (!isValid(queue, Kind::Queue))
        return CL_INVALID_COMMAND_QUEUE;
    if (!isValid(mem, Kind::Mem))
        return CL_INVALID_MEM_OBJECT;
    if (mem->context != queue->context)
        return CL_INVALID_CONTEXT;
    return CL_SUCCESS;
}

bool inRange(cl_mem mem, std::size_t offset, std::size_t size)
{
    return offset <= mem->size && size <= mem->size - offset;
}

// The workgroup size when the application leaves it to us: in each
// dimension the largest divisor of the global size that keeps the lanes
// within the device's limit, x first.
std::array<std::uint32_t, 3> chooseLocal(const std::array<std::size_t, 3>& global)
{
    std::array<std::uint32_t, 3> local{1, 1, 1};
    std::size_t budget = VSVM_ISA_MAX_GROUP_LANES;
    for (unsigned d = 0; d < 3; d++) {
        std::size_t best = 1;
        for (std::size_t l = std::min(budget, global[d]); l >= 1; l--)
            if (global[d] % l == 0) {
                best = l;
                break;
            }
        local[d] = static_cast<std::uint32_t>(best);
        budget /= best;
    }
    return local;
}

} // namespace

// Events.

cl_int CL_API_CALL clWaitForEvents(cl_uint count, const cl_event* events)
{
    if (count == 0 || !events)
        return CL_INVALID_VALUE;
    for (cl_uint i = 0; i < count; i++) {
        if (!isValid(events[i], Kind::Event))
            return CL_INVALID_EVENT;
        if (events[i]->context != events[0]->context)
            return CL_INVALID_CONTEXT;
    }
    bool failed = false;
    for (cl_uint i = 0; i < count; i++)
        failed |= waitEvent(events[i]) < 0;
    return failed ? CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST : CL_SUCCESS;
}

cl_int CL_API_CALL clGetEventInfo(cl_event event, cl_event_info param, size_t size, void* value, size_t* sizeRet)
{
    if (!isValid(event, Kind::Event))
        return CL_INVALID_EVENT;
    switch (param) {
    case CL_EVENT_COMMAND_QUEUE:
        return answer(size, value, sizeRet, event->queue);
    case CL_EVENT_CONTEXT:
        return answer(size, value, sizeRet, event->context);
    case CL_EVENT_COMMAND_TYPE:
        return answer(size, value, sizeRet, event->type);
    case CL_EVENT_COMMAND_EXECUTION_STATUS:
        return answer<cl_int>(size, value, sizeRet, pollEvent(event));
    case CL_EVENT_REFERENCE_COUNT:
        return answer<cl_uint>(size, value, sizeRet, event->refs.load());
    default:
        return CL_INVALID_VALUE;
    }
}

cl_int CL_API_CALL clGetEventProfilingInfo(cl_event event, cl_profiling_info param, size_t size, void* value,
                                           size_t* sizeRet)
{
    if (!isValid(event, Kind::Event))
        return CL_INVALID_EVENT;
    if (!event->queue || !(event->queue->properties & CL_QUEUE_PROFILING_ENABLE) || pollEvent(event) != CL_COMPLETE)
        return CL_PROFILING_INFO_NOT_AVAILABLE;
    // Written before the status became final, under the event's lock.
    std::lock_guard lock(event->mutex);
    switch (param) {
    case CL_PROFILING_COMMAND_QUEUED:
        return answer(size, value, sizeRet, event->times[0]);
    case CL_PROFILING_COMMAND_SUBMIT:
        return answer(size, value, sizeRet, event->times[1]);
    case CL_PROFILING_COMMAND_START:
        return answer(size, value, sizeRet, event->times[2]);
    case CL_PROFILING_COMMAND_END:
    case CL_PROFILING_COMMAND_COMPLETE:
        return answer(size, value, sizeRet, event->times[3]);
    default:
        return CL_INVALID_VALUE;
    }
}

cl_int CL_API_CALL clRetainEvent(cl_event event)
{
    return retainObject(event, Kind::Event, CL_INVALID_EVENT);
}

cl_int CL_API_CALL clReleaseEvent(cl_event event)
{
    return releaseObject(event, Kind::Event, CL_INVALID_EVENT, destroy);
}

cl_event CL_API_CALL clCreateUserEvent(cl_context context, cl_int* errcode)
{
    if (!isValid(context, Kind::Context)) {
        setError(errcode, CL_INVALID_CONTEXT);
        return nullptr;
    }
    auto* event = new (std::nothrow) _cl_event;
    if (!event) {
        setError(errcode, CL_OUT_OF_HOST_MEMORY);
        return nullptr;
    }
    event->context = context;
    event->type = CL_COMMAND_USER;
    event->status = CL_SUBMITTED;
    clRetainContext(context);
    setError(errcode, CL_SUCCESS);
    return event;
}

cl_int CL_API_CALL clSetUserEventStatus(cl_event event, cl_int status)
{
    if (!isValid(event, Kind::Event) || event->type != CL_COMMAND_USER)
        return CL_INVALID_EVENT;
    if (status > CL_COMPLETE)
        return CL_INVALID_VALUE;
    if (eventStatus(event) <= CL_COMPLETE)
        return CL_INVALID_OPERATION;
    setStatus(event, status);
    return CL_SUCCESS;
}

cl_int CL_API_CALL clSetEventCallback(cl_event event, cl_int type, void(CL_CALLBACK* fn)(cl_event, cl_int, void*),
                                      void* data)
{
    if (!isValid(event, Kind::Event))
        return CL_INVALID_EVENT;
    if (!fn || (type != CL_SUBMITTED && type != CL_RUNNING && type != CL_COMPLETE))
        return CL_INVALID_VALUE;
    cl_int status;
    {
        std::lock_guard lock(event->mutex);
        status = event->status;
        if (status > type) {
            event->callbacks.push_back({type, {fn, data}});
            return CL_SUCCESS;
        }
    }
    fn(event, status, data);
    return CL_SUCCESS;
}

// Queue-wide.

cl_int CL_API_CALL clFlush(cl_command_queue queue)
{
    return isValid(queue, Kind::Queue) ? CL_SUCCESS : CL_INVALID_COMMAND_QUEUE;
}

cl_int CL_API_CALL clFinish(cl_command_queue queue)
{
    if (!isValid(queue, Kind::Queue))
        return CL_INVALID_COMMAND_QUEUE;
    // Deferred commands are submitted first (they wait for events another
    // thread sets), then the queue's lock: a command another thread is
    // submitting has its jobs, or has ended, after it. Then the commands
    // with jobs, in order.
    {
        Deferred& d = deferred();
        std::unique_lock lock(d.mutex);
        d.changed.wait(lock, [&] {
            auto it = d.queues.find(queue);
            return it == d.queues.end() || it->second.empty();
        });
    }
    { std::lock_guard lock(queue->mutex); }
    // With those another thread is finishing: their output (printf) and
    // callbacks come before clFinish returns.
    std::vector<cl_event> inflight;
    {
        std::lock_guard lock(queue->inflightMutex);
        for (cl_event event : queue->finishing) {
            clRetainEvent(event);
            inflight.push_back(event);
        }
        for (cl_event event : queue->inflight) {
            clRetainEvent(event);
            inflight.push_back(event);
        }
    }
    for (cl_event event : inflight) {
        (void)waitEvent(event);
        clReleaseEvent(event);
    }
    return CL_SUCCESS;
}

cl_int CL_API_CALL clEnqueueMarkerWithWaitList(cl_command_queue queue, cl_uint count, const cl_event* list,
                                               cl_event* event)
{
    return run({queue, CL_COMMAND_MARKER, count, list, event}, nothing());
}

cl_int CL_API_CALL clEnqueueBarrierWithWaitList(cl_command_queue queue, cl_uint count, const cl_event* list,
                                                cl_event* event)
{
    return run({queue, CL_COMMAND_BARRIER, count, list, event}, nothing());
}

cl_int CL_API_CALL clEnqueueMarker(cl_command_queue queue, cl_event* event)
{
    if (!event)
        return CL_INVALID_VALUE;
    return clEnqueueMarkerWithWaitList(queue, 0, nullptr, event);
}

cl_int CL_API_CALL clEnqueueBarrier(cl_command_queue queue)
{
    return clEnqueueBarrierWithWaitList(queue, 0, nullptr, nullptr);
}

cl_int CL_API_CALL clEnqueueWaitForEvents(cl_command_queue queue, cl_uint count, const cl_event* list)
{
    if (count == 0 || !list)
        return CL_INVALID_VALUE;
    return clEnqueueBarrierWithWaitList(queue, count, list, nullptr);
}

// Buffers.

cl_int CL_API_CALL clEnqueueReadBuffer(cl_command_queue queue, cl_mem mem, cl_bool blocking, size_t offset,
                                       size_t size, void* ptr, cl_uint count, const cl_event* list, cl_event* event)
{
    if (cl_int e = checkBuffer(queue, mem); e != CL_SUCCESS)
        return e;
    if (!ptr || size == 0 || !inRange(mem, offset, size))
        return CL_INVALID_VALUE;
    if (mem->flags & (CL_MEM_HOST_WRITE_ONLY | CL_MEM_HOST_NO_ACCESS))
        return CL_INVALID_OPERATION;
    Command c{queue, CL_COMMAND_READ_BUFFER, count, list, event, blocking == CL_TRUE, {mem}};
    return run(c, [=](const Dependencies& after) {
        CopyPiece piece{ptr, static_cast<char*>(mem->host) + offset, size};
        return queue->context->backend().copy({&piece, 1}, after);
    });
}

cl_int CL_API_CALL clEnqueueWriteBuffer(cl_command_queue queue, cl_mem mem, cl_bool blocking, size_t offset,
                                        size_t size, const void* ptr, cl_uint count, const cl_event* list,
                                        cl_event* event)
{
    if (cl_int e = checkBuffer(queue, mem); e != CL_SUCCESS)
        return e;
    if (!ptr || size == 0 || !inRange(mem, offset, size))
        return CL_INVALID_VALUE;
    if (mem->flags & (CL_MEM_HOST_READ_ONLY | CL_MEM_HOST_NO_ACCESS))
        return CL_INVALID_OPERATION;
    Command c{queue, CL_COMMAND_WRITE_BUFFER, count, list, event, blocking == CL_TRUE, {mem}};
    return run(c, [=](const Dependencies& after) {
        CopyPiece piece{static_cast<char*>(mem->host) + offset, ptr, size};
        return queue->context->backend().copy({&piece, 1}, after);
    });
}

cl_int CL_API_CALL clEnqueueCopyBuffer(cl_command_queue queue, cl_mem src, cl_mem dst, size_t srcOffset,
                                       size_t dstOffset, size_t size, cl_uint count, const cl_event* list,
                                       cl_event* event)
{
    if (cl_int e = checkBuffer(queue, src); e != CL_SUCCESS)
        return e;
    if (cl_int e = checkBuffer(queue, dst); e != CL_SUCCESS)
        return e;
    if (size == 0 || !inRange(src, srcOffset, size) || !inRange(dst, dstOffset, size))
        return CL_INVALID_VALUE;
    char* from = static_cast<char*>(src->host) + srcOffset;
    char* to = static_cast<char*>(dst->host) + dstOffset;
    if (overlaps(from, to, size))
        return CL_MEM_COPY_OVERLAP;
    return run({queue, CL_COMMAND_COPY_BUFFER, count, list, event, false, {src, dst}},
               [=](const Dependencies& after) {
                   CopyPiece piece{to, from, size};
                   return queue->context->backend().copy({&piece, 1}, after);
               });
}

cl_int CL_API_CALL clEnqueueFillBuffer(cl_command_queue queue, cl_mem mem, const void* pattern, size_t patternSize,
                                       size_t offset, size_t size, cl_uint count, const cl_event* list,
                                       cl_event* event)
{
    if (cl_int e = checkBuffer(queue, mem); e != CL_SUCCESS)
        return e;
    if (!pattern || !validPatternSize(patternSize) || offset % patternSize || size % patternSize ||
        !inRange(mem, offset, size))
        return CL_INVALID_VALUE;
    // The pattern is copied now: the application may reuse it at once.
    std::vector<unsigned char> copy(static_cast<const unsigned char*>(pattern),
                                    static_cast<const unsigned char*>(pattern) + patternSize);
    return run({queue, CL_COMMAND_FILL_BUFFER, count, list, event, false, {mem}}, [=](const Dependencies& after) {
        return queue->context->backend().fill(static_cast<char*>(mem->host) + offset, copy.data(), patternSize, size,
                                              after);
    });
}

void* CL_API_CALL clEnqueueMapBuffer(cl_command_queue queue, cl_mem mem, cl_bool blocking, cl_map_flags flags,
                                     size_t offset, size_t size, cl_uint count, const cl_event* list,
                                     cl_event* event, cl_int* errcode)
{
    if (cl_int e = checkBuffer(queue, mem); e != CL_SUCCESS) {
        setError(errcode, e);
        return nullptr;
    }
    constexpr cl_map_flags known = CL_MAP_READ | CL_MAP_WRITE | CL_MAP_WRITE_INVALIDATE_REGION;
    if (size == 0 || !inRange(mem, offset, size) || (flags & ~known) ||
        ((flags & CL_MAP_WRITE_INVALIDATE_REGION) && (flags & (CL_MAP_READ | CL_MAP_WRITE)))) {
        setError(errcode, CL_INVALID_VALUE);
        return nullptr;
    }
    if (((flags & CL_MAP_READ) && (mem->flags & (CL_MEM_HOST_WRITE_ONLY | CL_MEM_HOST_NO_ACCESS))) ||
        ((flags & (CL_MAP_WRITE | CL_MAP_WRITE_INVALIDATE_REGION)) &&
         (mem->flags & (CL_MEM_HOST_READ_ONLY | CL_MEM_HOST_NO_ACCESS)))) {
        setError(errcode, CL_INVALID_OPERATION);
        return nullptr;
    }
    // The buffer is process memory: the mapping is the buffer itself.
    cl_int e = run({queue, CL_COMMAND_MAP_BUFFER, count, list, event, blocking == CL_TRUE},
                   nothing());
    setError(errcode, e);
    if (e != CL_SUCCESS)
        return nullptr;
    mem->mapCount++;
    return static_cast<char*>(mem->host) + offset;
}

cl_int CL_API_CALL clEnqueueUnmapMemObject(cl_command_queue queue, cl_mem mem, void* ptr, cl_uint count,
                                           const cl_event* list, cl_event* event)
{
    if (cl_int e = checkBuffer(queue, mem); e != CL_SUCCESS)
        return e;
    auto at = reinterpret_cast<std::uintptr_t>(ptr), base = reinterpret_cast<std::uintptr_t>(mem->host);
    if (!ptr || at < base || at - base >= mem->size || mem->mapCount.load() == 0)
        return CL_INVALID_VALUE;
    cl_int e = run({queue, CL_COMMAND_UNMAP_MEM_OBJECT, count, list, event}, nothing());
    if (e == CL_SUCCESS)
        mem->mapCount--;
    return e;
}

cl_int CL_API_CALL clEnqueueMigrateMemObjects(cl_command_queue queue, cl_uint numMems, const cl_mem* mems,
                                              cl_mem_migration_flags flags, cl_uint count, const cl_event* list,
                                              cl_event* event)
{
    if (!isValid(queue, Kind::Queue))
        return CL_INVALID_COMMAND_QUEUE;
    if (numMems == 0 || !mems || (flags & ~(CL_MIGRATE_MEM_OBJECT_HOST | CL_MIGRATE_MEM_OBJECT_CONTENT_UNDEFINED)))
        return CL_INVALID_VALUE;
    for (cl_uint i = 0; i < numMems; i++)
        if (cl_int e = checkBuffer(queue, mems[i]); e != CL_SUCCESS)
            return e;
    // One address space: nothing moves.
    return run({queue, CL_COMMAND_MIGRATE_MEM_OBJECTS, count, list, event}, nothing());
}

// Rectangular regions: one copy per row.

namespace {

// A region's pitches with their defaults; false when they are not valid.
bool rectPitches(const size_t* region, size_t& row, size_t& slice)
{
    if (row == 0)
        row = region[0];
    if (slice == 0)
        slice = region[1] * row;
    return row >= region[0] && slice >= region[1] * row && slice % row == 0;
}

// The byte after the last one a region at @p origin reaches.
size_t rectEnd(const size_t* origin, const size_t* region, size_t row, size_t slice)
{
    return (origin[2] + region[2] - 1) * slice + (origin[1] + region[1] - 1) * row + origin[0] + region[0];
}

size_t rectOffset(const size_t* origin, size_t row, size_t slice)
{
    return origin[2] * slice + origin[1] * row + origin[0];
}

Completion copyRect(Backend& backend, char* dst, const size_t* region, size_t dstRow, size_t dstSlice,
                    const char* src, size_t srcRow, size_t srcSlice, const Dependencies& after)
{
    std::vector<CopyPiece> rows;
    rows.reserve(region[1] * region[2]);
    for (size_t z = 0; z < region[2]; z++)
        for (size_t y = 0; y < region[1]; y++)
            rows.push_back({dst + z * dstSlice + y * dstRow, src + z * srcSlice + y * srcRow, region[0]});
    return backend.copy(rows, after);
}

bool validRegion(const size_t* region)
{
    return region && region[0] && region[1] && region[2];
}

// Read (toHost) or write a rectangle of @p mem.
cl_int hostRect(bool toHost, cl_command_queue queue, cl_mem mem, cl_bool blocking, const size_t* bufferOrigin,
                const size_t* hostOrigin, const size_t* region, size_t bufferRow, size_t bufferSlice,
                size_t hostRow, size_t hostSlice, void* ptr, cl_uint count, const cl_event* list, cl_event* event)
{
    if (cl_int e = checkBuffer(queue, mem); e != CL_SUCCESS)
        return e;
    if (!ptr || !bufferOrigin || !hostOrigin || !validRegion(region) || !rectPitches(region, bufferRow, bufferSlice) ||
        !rectPitches(region, hostRow, hostSlice) || rectEnd(bufferOrigin, region, bufferRow, bufferSlice) > mem->size)
        return CL_INVALID_VALUE;
    cl_mem_flags forbidden = toHost ? (CL_MEM_HOST_WRITE_ONLY | CL_MEM_HOST_NO_ACCESS)
                                    : (CL_MEM_HOST_READ_ONLY | CL_MEM_HOST_NO_ACCESS);
    if (mem->flags & forbidden)
        return CL_INVALID_OPERATION;
    char* buffer = static_cast<char*>(mem->host) + rectOffset(bufferOrigin, bufferRow, bufferSlice);
    char* host = static_cast<char*>(ptr) + rectOffset(hostOrigin, hostRow, hostSlice);
    Command c{queue, toHost ? cl_command_type{CL_COMMAND_READ_BUFFER_RECT} : cl_command_type{CL_COMMAND_WRITE_BUFFER_RECT},
              count, list, event, blocking == CL_TRUE, {mem}};
    const std::array<size_t, 3> extent{region[0], region[1], region[2]};
    return run(c, [=](const Dependencies& after) {
        const size_t* region = extent.data();
        Backend& backend = queue->context->backend();
        return toHost ? copyRect(backend, host, region, hostRow, hostSlice, buffer, bufferRow, bufferSlice, after)
                      : copyRect(backend, buffer, region, bufferRow, bufferSlice, host, hostRow, hostSlice, after);
    });
}

} // namespace

cl_int CL_API_CALL clEnqueueReadBufferRect(cl_command_queue queue, cl_mem mem, cl_bool blocking,
                                           const size_t* bufferOrigin, const size_t* hostOrigin, const size_t* region,
                                           size_t bufferRow, size_t bufferSlice, size_t hostRow, size_t hostSlice,
                                           void* ptr, cl_uint count, const cl_event* list, cl_event* event)
{
    return hostRect(true, queue, mem, blocking, bufferOrigin, hostOrigin, region, bufferRow, bufferSlice, hostRow,
                    hostSlice, ptr, count, list, event);
}

cl_int CL_API_CALL clEnqueueWriteBufferRect(cl_command_queue queue, cl_mem mem, cl_bool blocking,
                                            const size_t* bufferOrigin, const size_t* hostOrigin, const size_t* region,
                                            size_t bufferRow, size_t bufferSlice, size_t hostRow, size_t hostSlice,
                                            const void* ptr, cl_uint count, const cl_event* list, cl_event* event)
{
    return hostRect(false, queue, mem, blocking, bufferOrigin, hostOrigin, region, bufferRow, bufferSlice, hostRow,
                    hostSlice, const_cast<void*>(ptr), count, list, event);
}

cl_int CL_API_CALL clEnqueueCopyBufferRect(cl_command_queue queue, cl_mem src, cl_mem dst, const size_t* srcOrigin,
                                           const size_t* dstOrigin, const size_t* region, size_t srcRow,
                                           size_t srcSlice, size_t dstRow, size_t dstSlice, cl_uint count,
                                           const cl_event* list, cl_event* event)
{
    if (cl_int e = checkBuffer(queue, src); e != CL_SUCCESS)
        return e;
    if (cl_int e = checkBuffer(queue, dst); e != CL_SUCCESS)
        return e;
    if (!srcOrigin || !dstOrigin || !validRegion(region) || !rectPitches(region, srcRow, srcSlice) ||
        !rectPitches(region, dstRow, dstSlice) || rectEnd(srcOrigin, region, srcRow, srcSlice) > src->size ||
        rectEnd(dstOrigin, region, dstRow, dstSlice) > dst->size)
        return CL_INVALID_VALUE;
    char* from = static_cast<char*>(src->host) + rectOffset(srcOrigin, srcRow, srcSlice);
    char* to = static_cast<char*>(dst->host) + rectOffset(dstOrigin, dstRow, dstSlice);
    if (src->host == dst->host) {
        if (srcRow != dstRow || srcSlice != dstSlice)
            return CL_INVALID_VALUE;
        // Rows of the same pitch: two regions overlap when, in every
        // dimension, their extents do.
        bool overlap = true;
        for (int d = 0; d < 3; d++)
            overlap &= srcOrigin[d] < dstOrigin[d] + region[d] && dstOrigin[d] < srcOrigin[d] + region[d];
        if (overlap)
            return CL_MEM_COPY_OVERLAP;
    }
    const std::array<size_t, 3> extent{region[0], region[1], region[2]};
    return run({queue, CL_COMMAND_COPY_BUFFER_RECT, count, list, event, false, {src, dst}},
               [=](const Dependencies& after) {
        return copyRect(queue->context->backend(), to, extent.data(), dstRow, dstSlice, from, srcRow, srcSlice,
                        after);
    });
}

// SVM commands.

cl_int CL_API_CALL clEnqueueSVMMemcpy(cl_command_queue queue, cl_bool blocking, void* dst, const void* src,
                                      size_t size, cl_uint count, const cl_event* list, cl_event* event)
{
    if (!isValid(queue, Kind::Queue))
        return CL_INVALID_COMMAND_QUEUE;
    if (!dst || !src)
        return CL_INVALID_VALUE;
    if (overlaps(dst, src, size))
        return CL_MEM_COPY_OVERLAP;
    Command c{queue, CL_COMMAND_SVM_MEMCPY, count, list, event, blocking == CL_TRUE};
    return run(c, [=](const Dependencies& after) {
        CopyPiece piece{dst, src, size};
        return queue->context->backend().copy({&piece, 1}, after);
    });
}

cl_int CL_API_CALL clEnqueueSVMMemFill(cl_command_queue queue, void* ptr, const void* pattern, size_t patternSize,
                                       size_t size, cl_uint count, const cl_event* list, cl_event* event)
{
    if (!isValid(queue, Kind::Queue))
        return CL_INVALID_COMMAND_QUEUE;
    if (!ptr || !pattern || !validPatternSize(patternSize) || reinterpret_cast<std::uintptr_t>(ptr) % patternSize ||
        size % patternSize)
        return CL_INVALID_VALUE;
    std::vector<unsigned char> copy(static_cast<const unsigned char*>(pattern),
                                    static_cast<const unsigned char*>(pattern) + patternSize);
    return run({queue, CL_COMMAND_SVM_MEMFILL, count, list, event}, [=](const Dependencies& after) {
        return queue->context->backend().fill(ptr, copy.data(), patternSize, size, after);
    });
}

cl_int CL_API_CALL clEnqueueSVMMap(cl_command_queue queue, cl_bool blocking, cl_map_flags, void* ptr, size_t size,
                                   cl_uint count, const cl_event* list, cl_event* event)
{
    if (!isValid(queue, Kind::Queue))
        return CL_INVALID_COMMAND_QUEUE;
    if (!ptr || size == 0)
        return CL_INVALID_VALUE;
    // Fine-grain system SVM: the host may use the memory at any time.
    return run({queue, CL_COMMAND_SVM_MAP, count, list, event, blocking == CL_TRUE}, nothing());
}

cl_int CL_API_CALL clEnqueueSVMUnmap(cl_command_queue queue, void* ptr, cl_uint count, const cl_event* list,
                                     cl_event* event)
{
    if (!isValid(queue, Kind::Queue))
        return CL_INVALID_COMMAND_QUEUE;
    if (!ptr)
        return CL_INVALID_VALUE;
    return run({queue, CL_COMMAND_SVM_UNMAP, count, list, event}, nothing());
}

cl_int CL_API_CALL clEnqueueSVMFree(cl_command_queue queue, cl_uint numPointers, void* pointers[],
                                    void(CL_CALLBACK* fn)(cl_command_queue, cl_uint, void*[], void*), void* data,
                                    cl_uint count, const cl_event* list, cl_event* event)
{
    if (!isValid(queue, Kind::Queue))
        return CL_INVALID_COMMAND_QUEUE;
    if ((numPointers == 0) != (pointers == nullptr))
        return CL_INVALID_VALUE;
    for (cl_uint i = 0; i < numPointers; i++)
        if (!pointers[i])
            return CL_INVALID_VALUE;
    // The pointers are copied now: the array may be gone when the command runs.
    std::vector<void*> copy(pointers, pointers + numPointers);
    // Nothing for the device: the memory is freed when the commands before
    // have ended, by the thread that sees them end, and the enqueue returns
    // at once. A command it waits for that failed keeps it from running.
    auto freeThem = [=](cl_int status) mutable {
        if (status < 0)
            return;
        if (fn)
            fn(queue, numPointers, copy.data(), data);
        else
            for (void* pointer : copy)
                clSVMFree(queue->context, pointer);
    };
    return run({queue, CL_COMMAND_SVM_FREE, count, list, event, false, {}, std::move(freeThem)}, nothing());
}

cl_int CL_API_CALL clEnqueueSVMMigrateMem(cl_command_queue queue, cl_uint numPointers, const void** pointers,
                                          const size_t*, cl_mem_migration_flags flags, cl_uint count,
                                          const cl_event* list, cl_event* event)
{
    if (!isValid(queue, Kind::Queue))
        return CL_INVALID_COMMAND_QUEUE;
    if (numPointers == 0 || !pointers ||
        (flags & ~(CL_MIGRATE_MEM_OBJECT_HOST | CL_MIGRATE_MEM_OBJECT_CONTENT_UNDEFINED)))
        return CL_INVALID_VALUE;
    return run({queue, CL_COMMAND_SVM_MIGRATE_MEM, count, list, event}, nothing());
}

// Kernels.

namespace {

cl_int enqueueKernel(cl_command_type type, cl_command_queue queue, cl_kernel kernel, cl_uint dims,
                     const size_t* offset, const size_t* global, const size_t* local, cl_uint count,
                     const cl_event* list, cl_event* event)
{
    if (!isValid(queue, Kind::Queue))
        return CL_INVALID_COMMAND_QUEUE;
    if (!isValid(kernel, Kind::Kernel))
        return CL_INVALID_KERNEL;
    if (kernel->program->context != queue->context)
        return CL_INVALID_CONTEXT;
    if (dims < 1 || dims > 3)
        return CL_INVALID_WORK_DIMENSION;
    if (!global)
        return CL_INVALID_GLOBAL_WORK_SIZE;
    const BuiltKernel& built = *kernel->built;
    std::array<std::uint64_t, 3> off{0, 0, 0};
    if (offset)
        for (cl_uint d = 0; d < dims; d++) {
            if (offset[d] > SIZE_MAX - global[d])
                return CL_INVALID_GLOBAL_OFFSET;
            off[d] = offset[d];
        }
    if (off != std::array<std::uint64_t, 3>{0, 0, 0} && !built.compiled.launchSlot) {
        // A GLSL shader given as IL has no launch block: its ids cannot move.
        logLine(fmt::format("clEnqueueNDRangeKernel: kernel {} is not an OpenCL kernel and takes no global work "
                            "offset",
                            kernel->name));
        return CL_INVALID_VALUE;
    }
    std::vector<std::uint64_t> args;
    std::vector<cl_mem> buffers;
    {
        std::lock_guard lock(kernel->mutex);
        LocalLayout layout = layoutArgs(*kernel);
        if (!layout.complete)
            return CL_INVALID_KERNEL_ARGS;
        if (layout.ldsBytes > VSVM_ISA_LDS_BYTES) {
            logLine(fmt::format("clEnqueueNDRangeKernel: kernel {} needs {} bytes of local memory ({} of its own "
                                "variables plus its __local arguments, each aligned to 128); the device has {}",
                                kernel->name, layout.ldsBytes, built.compiled.ldsBytes, VSVM_ISA_LDS_BYTES));
            return CL_OUT_OF_RESOURCES;
        }
        args = std::move(layout.slots);
        // The buffers it uses: the launch keeps them until the kernel has ended.
        for (const std::optional<ArgValue>& arg : kernel->args)
            if (arg && arg->mem && isValid(arg->mem, Kind::Mem))
                buffers.push_back(arg->mem);
    }
    std::array<std::size_t, 3> g{1, 1, 1};
    for (cl_uint d = 0; d < dims; d++)
        g[d] = global[d];
    std::uint64_t lanesTotal = std::uint64_t{g[0]} * g[1] * g[2];
    const auto& fixed = built.compiled.localSize;
    bool hasFixed = fixed != std::array<std::uint32_t, 3>{0, 0, 0};
    std::array<std::uint32_t, 3> l{1, 1, 1};
    if (local) {
        std::uint64_t lanes = 1;
        for (cl_uint d = 0; d < dims; d++) {
            if (local[d] == 0 || local[d] > VSVM_ISA_MAX_GROUP_LANES)
                return CL_INVALID_WORK_ITEM_SIZE;
            l[d] = static_cast<std::uint32_t>(local[d]);
            lanes *= local[d];
        }
        if (lanes > VSVM_ISA_MAX_GROUP_LANES)
            return CL_INVALID_WORK_GROUP_SIZE;
        if (hasFixed && l != fixed)
            return CL_INVALID_WORK_GROUP_SIZE;
    } else if (hasFixed) {
        l = fixed;
    } else {
        l = chooseLocal(g);
    }
    if (lanesTotal == 0)
        return run({queue, type, count, list, event}, nothing());
    std::array<std::uint32_t, 3> groups{};
    for (unsigned d = 0; d < 3; d++) {
        // No non-uniform workgroups (CL_DEVICE_NON_UNIFORM_WORK_GROUP_SUPPORT is false).
        if (g[d] % l[d])
            return CL_INVALID_WORK_GROUP_SIZE;
        if (g[d] / l[d] > DRM_VSVM_MAX_GROUPS) {
            logLine(fmt::format("clEnqueueNDRangeKernel: {} workgroups in dimension {}, at most {} are supported",
                                g[d] / l[d], d, DRM_VSVM_MAX_GROUPS));
            return CL_INVALID_GLOBAL_WORK_SIZE;
        }
        groups[d] = static_cast<std::uint32_t>(g[d] / l[d]);
    }
    // The launch block (vsvm/cc.h): work_dim, the offsets, the constant data
    // and the argument slots past the registers; its address takes the
    // register after theirs.
    auto block = std::make_shared<std::vector<std::uint64_t>>();
    // A kernel that calls printf gets a buffer of its own per launch, whose
    // records are printed when the launch has ended (runOnEnd()).
    std::shared_ptr<PrintfBuffer> printfBuffer;
    std::function<void(cl_int)> printOutput;
    if (!built.compiled.printfFormats.empty()) {
        printfBuffer = PrintfBuffer::create();
        if (!printfBuffer)
            return CL_OUT_OF_HOST_MEMORY;
        printOutput = [printfBuffer, kept = kernel->built](cl_int) { printfBuffer->print(kept->compiled); };
    }
    if (built.compiled.launchSlot) {
        std::size_t regs = *built.compiled.launchSlot;
        if (args.size() < regs)
            return CL_INVALID_KERNEL_ARGS;
        try {
            block->reserve(vsvm::cc::kLaunchArgs / 8 + args.size() - regs);
        } catch (const std::bad_alloc&) {
            return CL_OUT_OF_HOST_MEMORY;
        }
        // The constant data is the built kernel's, which the command keeps.
        const std::vector<std::uint8_t>& constants = built.compiled.constants;
        block->assign({dims, off[0], off[1], off[2],
                       constants.empty() ? 0 : reinterpret_cast<std::uintptr_t>(constants.data()),
                       printfBuffer ? printfBuffer->address() : 0});
        block->insert(block->end(), args.begin() + static_cast<std::ptrdiff_t>(regs), args.end());
        args.resize(regs);
        args.push_back(reinterpret_cast<std::uintptr_t>(block->data()));
    }
    // The private stacks the kernel takes as its hidden last argument, at
    // the alignment the compiler asks (cc.h).
    std::vector<std::uint64_t> stacks;
    if (built.compiled.privateBytesPerLane) {
        std::uint64_t align = std::max<std::uint64_t>(built.compiled.privateAlign, 8);
        std::uint64_t bytes = built.compiled.privateBytesPerLane * lanesTotal + align;
        try {
            stacks.assign((bytes + 7) / 8, 0);
        } catch (const std::bad_alloc&) {
            return CL_OUT_OF_HOST_MEMORY;
        }
        auto base = reinterpret_cast<std::uintptr_t>(stacks.data());
        args.push_back((base + align - 1) / align * align);
    }
    if (args.size() > VSVM_ISA_MAX_ARGS)
        return CL_INVALID_KERNEL_ARGS;
    // By value: a deferred launch runs with the arguments of its enqueue
    // (the stacks' buffer moves with its vector; the block lives as long as
    // the command, which keeps its work until the kernel has ended).
    auto stacksKept = std::make_shared<std::vector<std::uint64_t>>(std::move(stacks));
    return run({queue, type, count, list, event, false, std::move(buffers), std::move(printOutput)},
               [queue, built = kernel->built, groups, l, args, stacksKept, block,
                name = kernel->name](const Dependencies& after) {
                   Completion c = queue->context->backend().dispatch(*built, groups, l, args, after);
                   c.setContext("kernel " + name);
                   return c;
               });
}

} // namespace

cl_int CL_API_CALL clEnqueueNDRangeKernel(cl_command_queue queue, cl_kernel kernel, cl_uint dims,
                                          const size_t* offset, const size_t* global, const size_t* local,
                                          cl_uint count, const cl_event* list, cl_event* event)
{
    return enqueueKernel(CL_COMMAND_NDRANGE_KERNEL, queue, kernel, dims, offset, global, local, count, list, event);
}

cl_int CL_API_CALL clEnqueueTask(cl_command_queue queue, cl_kernel kernel, cl_uint count, const cl_event* list,
                                 cl_event* event)
{
    const size_t one = 1;
    return enqueueKernel(CL_COMMAND_TASK, queue, kernel, 1, nullptr, &one, &one, count, list, event);
}
