/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */
#ifndef __VSVM_VRAM_H__
#define __VSVM_VRAM_H__

#include <linux/atomic.h>
#include <linux/highmem.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct mm_struct;
struct vsvm_device;

/**
 * enum vsvm_vram_stat - device-memory counters (&vsvm_vram.stats)
 * @VSVM_VRAM_STAT_TO_DEVICE: pages migrated from system memory to the device
 * @VSVM_VRAM_STAT_TO_RAM: pages migrated back because the CPU touched them
 *	(migrate_to_ram(), neighbourhood included)
 * @VSVM_VRAM_STAT_TO_RAM_ASKED: pages migrated back by a prefetch to system
 *	memory
 * @VSVM_VRAM_STAT_EVICTED: pages migrated back to make room
 * @VSVM_VRAM_STAT_ALLOC_FAILED: device pages a migration wanted and did not
 *	get, even after eviction (the page stayed in system memory)
 * @VSVM_VRAM_STAT_ENGINE_COPIED: pages the copy engines copied for
 *	migrations, either way
 * @VSVM_VRAM_STAT_COUNT: number of counters
 */
enum vsvm_vram_stat {
	VSVM_VRAM_STAT_TO_DEVICE,
	VSVM_VRAM_STAT_TO_RAM,
	VSVM_VRAM_STAT_TO_RAM_ASKED,
	VSVM_VRAM_STAT_EVICTED,
	VSVM_VRAM_STAT_ALLOC_FAILED,
	VSVM_VRAM_STAT_ENGINE_COPIED,
	VSVM_VRAM_STAT_COUNT
};

/**
 * struct vsvm_vram - the device's own memory (DOC: Device memory)
 * @vdev: the device
 * @pgmap: the MEMORY_DEVICE_PRIVATE pages that stand for it
 * @first_pfn: the frame of its first page
 * @npages: its size in pages; 0 when the device has none
 * @backing: the kernel memory behind it, @npages pages, virtually
 *	contiguous: page i of the device memory is @backing + i * PAGE_SIZE
 * @lock: protects @bitmap, @hand and @used; innermost, never held while
 *	sleeping
 * @bitmap: one bit per page, set while the page is allocated
 * @hand: where the next allocation starts looking (next fit)
 * @used: pages allocated
 * @referenced: one bit per page, set when an engine reaches the page
 *	(vsvm_mem_map()), cleared by eviction's clock as it passes
 * @clock: where eviction's clock hand is (under @evict_lock)
 * @evict_lock: one eviction at a time
 * @stats: &enum vsvm_vram_stat counters
 */
struct vsvm_vram {
	struct vsvm_device *vdev;
	struct dev_pagemap pgmap;
	unsigned long first_pfn;
	unsigned long npages;
	void *backing;
	spinlock_t lock; /* see @lock above */
	unsigned long *bitmap;
	unsigned long hand;
	unsigned long used;
	unsigned long *referenced;
	unsigned long clock;
	struct mutex evict_lock; /* see @evict_lock above */
	atomic64_t stats[VSVM_VRAM_STAT_COUNT];
};

extern unsigned int vsvm_vram_mb;

void *vsvm_vram_owner(unsigned int id);

int vsvm_vram_init(struct vsvm_device *vdev);
int vsvm_vram_migrate(struct vsvm_vram *vram, struct mm_struct *mm,
		      unsigned long start, unsigned long end, bool to_device);
unsigned long vsvm_vram_evict(struct vsvm_vram *vram, unsigned long want);
u64 vsvm_vram_stat(const struct vsvm_vram *vram, enum vsvm_vram_stat stat);
unsigned long vsvm_vram_used(struct vsvm_vram *vram);

/*
 * The kernel address of a page an engine reaches through a translation:
 * device memory lives in @backing, system memory in the linear map.
 */
static inline void *vsvm_vram_page_addr(struct page *page)
{
	struct vsvm_vram *vram = container_of(page->pgmap, struct vsvm_vram, pgmap);

	return vram->backing + ((page_to_pfn(page) - vram->first_pfn) << PAGE_SHIFT);
}

/*
 * An engine reaches a page of device memory: eviction spares it until its
 * clock hand has passed once more (vsvm_vram_evict()). The bit is read
 * before it is set, so that pages in use do not bounce a cache line.
 */
static inline void vsvm_vram_touch(struct page *page)
{
	struct vsvm_vram *vram = container_of(page->pgmap, struct vsvm_vram, pgmap);
	unsigned long idx = page_to_pfn(page) - vram->first_pfn;

	if (!test_bit(idx, vram->referenced))
		set_bit(idx, vram->referenced);
}

/*
 * vsvm_mem_map() without marking a device page used: for the copies of a
 * migration, since moving a page is not a use of it (vsvm_copy_migrate()).
 */
static inline void *__vsvm_mem_map(unsigned long pfn)
{
	struct page *page = pfn_to_page(pfn);

	if (is_device_private_page(page))
		return vsvm_vram_page_addr(page);
	return kmap_local_page(page);
}

/**
 * vsvm_mem_map() - map a frame an engine reached through a translation
 * @pfn: the frame: system memory, or a page of a device's memory
 *
 * A translation holds a device-private frame when its page lives in device
 * memory; that frame has a &struct page but no kernel mapping of its own.
 * Device memory is mapped for good, so runs of contiguous frames stay
 * contiguous in both kinds of memory. Undo with vsvm_mem_unmap().
 *
 * Return: the kernel address of the frame's first byte.
 */
static inline void *vsvm_mem_map(unsigned long pfn)
{
	struct page *page = pfn_to_page(pfn);

	if (is_device_private_page(page))
		vsvm_vram_touch(page);
	return __vsvm_mem_map(pfn);
}

/*
 * Whether frames @first to @last, contiguous, are one piece of memory that
 * vsvm_mem_map() maps contiguously: all system memory, or all one device's.
 */
static inline bool vsvm_mem_one_piece(unsigned long first, unsigned long last)
{
	struct page *a = pfn_to_page(first), *b = pfn_to_page(last);

	if (is_device_private_page(a) != is_device_private_page(b))
		return false;
	return !is_device_private_page(a) || a->pgmap == b->pgmap;
}

/**
 * vsvm_mem_unmap() - undo vsvm_mem_map()
 * @pfn: the frame given to vsvm_mem_map()
 * @addr: an address inside what it returned
 */
static inline void vsvm_mem_unmap(unsigned long pfn, const void *addr)
{
	if (!is_device_private_page(pfn_to_page(pfn)))
		kunmap_local(addr);
}

#endif /* __VSVM_VRAM_H__ */
