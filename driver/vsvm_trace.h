/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */

/**
 * DOC: Tracepoints
 *
 * The driver's trace events, in the ``vsvm`` system of tracefs
 * (``/sys/kernel/tracing/events/vsvm/``), for ``trace-cmd`` and ``perf``.
 * Every event names the VM (``vm``, the id of VM_CREATE, as in debugfs
 * ``vms``):
 *
 * - ``vsvm_fault_begin``, ``vsvm_fault_end``: a device page fault (the
 *   mirror core's vsvm_svm_fault()): address, access, and at the end the
 *   result (0 or -errno), the collisions retried, the 4 KiB and 2 MiB
 *   translations written and the time taken;
 * - ``vsvm_invalidate``: one notifier callback: the mmu_notifier event, the
 *   span inside the window, the action taken (``ignore``, ``zap``,
 *   ``downgrade``, ``unmap``, ``release``) and the 4 KiB units zapped or
 *   downgraded;
 * - ``vsvm_gc``: a garbage collection: ranges and notifier windows freed;
 * - ``vsvm_job_queued``, ``vsvm_job_started``, ``vsvm_job_ended``: a job
 *   pushed to its VM's queue by EXEC, taken by an engine, ended (with its
 *   DRM_VSVM_JOB_* status).
 */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM vsvm

#if !defined(__VSVM_TRACE_H__) || defined(TRACE_HEADER_MULTI_READ)
#define __VSVM_TRACE_H__

#include <linux/mmu_notifier.h>
#include <linux/tracepoint.h>
#include <linux/types.h>

#include "vsvm_drm.h"
#include "vsvm_svm.h"

TRACE_DEFINE_ENUM(MMU_NOTIFY_UNMAP);
TRACE_DEFINE_ENUM(MMU_NOTIFY_CLEAR);
TRACE_DEFINE_ENUM(MMU_NOTIFY_PROTECTION_VMA);
TRACE_DEFINE_ENUM(MMU_NOTIFY_PROTECTION_PAGE);
TRACE_DEFINE_ENUM(MMU_NOTIFY_SOFT_DIRTY);
TRACE_DEFINE_ENUM(MMU_NOTIFY_RELEASE);
TRACE_DEFINE_ENUM(MMU_NOTIFY_MIGRATE);
TRACE_DEFINE_ENUM(MMU_NOTIFY_EXCLUSIVE);
TRACE_DEFINE_ENUM(VSVM_SVM_IGNORE);
TRACE_DEFINE_ENUM(VSVM_SVM_ZAP);
TRACE_DEFINE_ENUM(VSVM_SVM_DOWNGRADE);
TRACE_DEFINE_ENUM(VSVM_SVM_UNMAP);
TRACE_DEFINE_ENUM(VSVM_SVM_RELEASE);
TRACE_DEFINE_ENUM(VSVM_SVM_BY_VMA);

#define vsvm_trace_event_name(e)						\
	__print_symbolic(e,							\
			 { MMU_NOTIFY_UNMAP, "UNMAP" },				\
			 { MMU_NOTIFY_CLEAR, "CLEAR" },				\
			 { MMU_NOTIFY_PROTECTION_VMA, "PROTECTION_VMA" },	\
			 { MMU_NOTIFY_PROTECTION_PAGE, "PROTECTION_PAGE" },	\
			 { MMU_NOTIFY_SOFT_DIRTY, "SOFT_DIRTY" },		\
			 { MMU_NOTIFY_RELEASE, "RELEASE" },			\
			 { MMU_NOTIFY_MIGRATE, "MIGRATE" },			\
			 { MMU_NOTIFY_EXCLUSIVE, "EXCLUSIVE" })

#define vsvm_trace_action_name(a)						\
	__print_symbolic(a,							\
			 { VSVM_SVM_IGNORE, "ignore" },				\
			 { VSVM_SVM_ZAP, "zap" },				\
			 { VSVM_SVM_DOWNGRADE, "downgrade" },			\
			 { VSVM_SVM_UNMAP, "unmap" },				\
			 { VSVM_SVM_RELEASE, "release" },			\
			 { VSVM_SVM_BY_VMA, "by-vma" })

#define vsvm_trace_status_name(s)						\
	__print_symbolic(s,							\
			 { 0, "running" },					\
			 { DRM_VSVM_JOB_OK, "OK" },				\
			 { DRM_VSVM_JOB_FAULT, "FAULT" },			\
			 { DRM_VSVM_JOB_RETRIES, "RETRIES" },			\
			 { DRM_VSVM_JOB_NO_MM, "NO_MM" },			\
			 { DRM_VSVM_JOB_NOMEM, "NOMEM" },			\
			 { DRM_VSVM_JOB_INVALID, "INVALID" },			\
			 { DRM_VSVM_JOB_TIMEOUT, "TIMEOUT" },			\
			 { DRM_VSVM_JOB_CANCELED, "CANCELED" })

TRACE_EVENT(vsvm_fault_begin,
	    TP_PROTO(u32 vm, unsigned long addr, bool write),
	    TP_ARGS(vm, addr, write),
	    TP_STRUCT__entry(__field(u32, vm)
			     __field(unsigned long, addr)
			     __field(bool, write)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->addr = addr;
			   __entry->write = write;),
	    TP_printk("vm=%u addr=0x%lx access=%s", __entry->vm, __entry->addr,
		      __entry->write ? "write" : "read")
);

TRACE_EVENT(vsvm_fault_end,
	    TP_PROTO(u32 vm, unsigned long addr, bool write, int ret, unsigned int retries,
		     unsigned int mapped_4k, unsigned int mapped_2m, u64 ns),
	    TP_ARGS(vm, addr, write, ret, retries, mapped_4k, mapped_2m, ns),
	    TP_STRUCT__entry(__field(u32, vm)
			     __field(unsigned long, addr)
			     __field(bool, write)
			     __field(int, ret)
			     __field(unsigned int, retries)
			     __field(unsigned int, mapped_4k)
			     __field(unsigned int, mapped_2m)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->addr = addr;
			   __entry->write = write;
			   __entry->ret = ret;
			   __entry->retries = retries;
			   __entry->mapped_4k = mapped_4k;
			   __entry->mapped_2m = mapped_2m;
			   __entry->ns = ns;),
	    TP_printk("vm=%u addr=0x%lx access=%s ret=%d retries=%u mapped_4k=%u mapped_2m=%u ns=%llu",
		      __entry->vm, __entry->addr, __entry->write ? "write" : "read",
		      __entry->ret, __entry->retries, __entry->mapped_4k, __entry->mapped_2m,
		      __entry->ns)
);

TRACE_EVENT(vsvm_invalidate,
	    TP_PROTO(u32 vm, int event, unsigned long start, unsigned long end, int action,
		     u64 zapped, u64 downgraded),
	    TP_ARGS(vm, event, start, end, action, zapped, downgraded),
	    TP_STRUCT__entry(__field(u32, vm)
			     __field(int, event)
			     __field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(int, action)
			     __field(u64, zapped)
			     __field(u64, downgraded)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->event = event;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->action = action;
			   __entry->zapped = zapped;
			   __entry->downgraded = downgraded;),
	    TP_printk("vm=%u event=%s start=0x%lx end=0x%lx action=%s zapped=%llu downgraded=%llu",
		      __entry->vm, vsvm_trace_event_name(__entry->event), __entry->start,
		      __entry->end, vsvm_trace_action_name(__entry->action), __entry->zapped,
		      __entry->downgraded)
);

TRACE_EVENT(vsvm_gc,
	    TP_PROTO(u32 vm, unsigned int ranges, unsigned int windows),
	    TP_ARGS(vm, ranges, windows),
	    TP_STRUCT__entry(__field(u32, vm)
			     __field(unsigned int, ranges)
			     __field(unsigned int, windows)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->ranges = ranges;
			   __entry->windows = windows;),
	    TP_printk("vm=%u ranges=%u windows=%u", __entry->vm, __entry->ranges,
		      __entry->windows)
);

DECLARE_EVENT_CLASS(vsvm_job,
		    TP_PROTO(u32 vm, u64 job, const char *engine, u32 status),
		    TP_ARGS(vm, job, engine, status),
		    TP_STRUCT__entry(__field(u32, vm)
				     __field(u64, job)
				     __string(engine, engine)
				     __field(u32, status)),
		    TP_fast_assign(__entry->vm = vm;
				   __entry->job = job;
				   __assign_str(engine);
				   __entry->status = status;),
		    TP_printk("vm=%u job=%llu engine=%s status=%s", __entry->vm, __entry->job,
			      __get_str(engine), vsvm_trace_status_name(__entry->status))
);

DEFINE_EVENT(vsvm_job, vsvm_job_queued,
	     TP_PROTO(u32 vm, u64 job, const char *engine, u32 status),
	     TP_ARGS(vm, job, engine, status)
);

DEFINE_EVENT(vsvm_job, vsvm_job_started,
	     TP_PROTO(u32 vm, u64 job, const char *engine, u32 status),
	     TP_ARGS(vm, job, engine, status)
);

DEFINE_EVENT(vsvm_job, vsvm_job_ended,
	     TP_PROTO(u32 vm, u64 job, const char *engine, u32 status),
	     TP_ARGS(vm, job, engine, status)
);

#endif /* __VSVM_TRACE_H__ */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vsvm_trace
#include <trace/define_trace.h>
