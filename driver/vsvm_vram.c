// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

/**
 * DOC: Device memory
 *
 * Each device has memory of its own, ``vram_mb`` MiB (module parameter;
 * 0 for none). The kernel sees it as %MEMORY_DEVICE_PRIVATE pages: a free
 * physical range (devm_request_free_mem_region()) gets &struct page s with
 * memremap_pages(), owned by the device (``pgmap->owner`` is the device, the
 * same cookie its mirrors pass to hmm_range_fault() and take as their own in
 * invalidations). The CPU cannot map those pages; its page tables hold
 * device-private swap entries for them, and a CPU access faults into
 * ``migrate_to_ram``. The device reaches them through its page table as it
 * reaches system memory: hmm_range_fault() returns the device-private frame
 * for the device's own pages, the translation records it with
 * %VSVM_PTE_LOCAL, and the engines read and write the kernel memory behind
 * the page (vsvm_mem_map()). Needs CONFIG_DEVICE_PRIVATE; without it (as in
 * Debian's kernel) the device has no memory and migrations fail with
 * -EOPNOTSUPP.
 *
 * Allocation is next fit over a bitmap, one page at a time; the page is
 * freed by the core (``page_free``) when its last reference goes, whatever
 * dropped it (munmap, process exit, a migration back).
 *
 * Migration uses the kernel's migrate_vma machinery with the device as
 * owner, in windows of at most 2 MiB inside one VMA:
 *
 * - To the device (&DRM_VSVM_PREFETCH_TO_DEVICE): migrate_vma_setup()
 *   selects the system pages of the window (holes stay holes: made device
 *   pages, eviction would turn untouched memory into RAM); each page is
 *   copied, then
 *   migrate_vma_pages() and migrate_vma_finalize() switch the CPU's page
 *   table to the device pages. The MMU_NOTIFY_MIGRATE invalidation that
 *   setup sends carries the device's "in" cookie (the &struct vsvm_vram,
 *   &vsvm_svm.owner_in): the mirrors zap the window's translations of system
 *   pages on it and keep those of device pages (DOC: Event policy), so no
 *   engine can write to a system page after it was copied, and the prefetch
 *   that follows maps the new device pages through the ordinary fault path.
 * - Migrations out of device memory carry the device itself as cookie
 *   (&vsvm_svm.owner, the pages' ``pgmap->owner``, which
 *   MIGRATE_VMA_SELECT_DEVICE_PRIVATE needs): the mirrors zap the
 *   translations of device pages, which are freed once copied, and keep
 *   those of system pages.
 * - Back on a CPU fault (``migrate_to_ram``): only the page the CPU touched
 *   moves, with ``migrate_back_kb`` KiB around it (tunable, default 0), not
 *   the whole range.
 * - Back on request (&DRM_VSVM_PREFETCH_TO_SYSTEM): the window's device
 *   pages move back.
 * - Eviction: when a migration to the device finds too few free pages (of
 *   the ``vram_limit_mb`` it may use, a tunable that defaults to all),
 *   pages the device has not used lately go back to system memory with
 *   migrate_device_range(), whichever process maps them. The choice is a
 *   clock (second chance), the approximation of least recently used that
 *   the kernel's own page reclaim started from: every engine access to a
 *   device page sets its referenced bit (vsvm_mem_map()); the eviction's
 *   hand goes round the pages, clears the bits it finds set and moves the
 *   pages whose bit was clear. A page the device keeps using stays while
 *   pages nothing touched since the hand last passed remain; when the hand
 *   has gone round twice and every page was used meanwhile, the third
 *   round takes them in its order, so a device busy with all of its memory
 *   still makes room. A migration that still finds none (every page busy
 *   in another migration) leaves the rest of its pages in system memory,
 *   where the device reaches them as before: a job never fails for lack of
 *   device memory.
 *
 * The device's copy engines copy the pages, addressing them physically as
 * a DMA engine would (vsvm_copy_migrate(); contiguous frames are one
 * copy), on a channel of their own (&vsvm_device.migrate_wq) so that a
 * migration never queues behind a job that may be faulting on the very
 * pages it holds locked. ``vram_engine_copied`` counts the pages.
 *
 * Unbinding the device first evicts every page (processes keep their data
 * in system memory), then memunmap_pages() waits for the last reference.
 *
 * Other devices (``num_devices`` > 1) reach these pages too where their VM
 * says accessed-by (DOC: Range attributes, accessed-by): their mirrors
 * snapshot the page as this device's (vsvm_vram_owner() lists the devices
 * with memory) and map the frame, and their engines read and write the
 * kernel memory behind it as this device's engines do. Their translations
 * go when the page moves or goes, on the invalidation that carries this
 * device's cookie, which is not theirs. Each range keeps one unused 2 MiB
 * above it (the physical range is that much larger), so that no two
 * devices' frames are contiguous: an engine's run of contiguous frames
 * (DOC: Engines) never goes from one device's memory into another's.
 */

#include <linux/device.h>
#include <linux/ioport.h>
#include <linux/migrate.h>
#include <linux/mmap_lock.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <drm/drm_managed.h>

#include "vsvm_drv.h"
#include "vsvm_engine.h"
#include "vsvm_vram.h"

unsigned int vsvm_vram_mb = 256;

/* Pages one migration step handles: one 2 MiB window. */
#define VSVM_VRAM_WINDOW	(SZ_2M >> PAGE_SHIFT)
/* Pages one eviction step hands to migrate_device_range(). */
#define VSVM_VRAM_EVICT_BATCH	64

/**
 * vsvm_vram_stat() - read one device-memory counter
 * @vram: the device memory
 * @stat: the counter
 *
 * Return: its value.
 */
u64 vsvm_vram_stat(const struct vsvm_vram *vram, enum vsvm_vram_stat stat)
{
	return atomic64_read(&vram->stats[stat]);
}

/**
 * vsvm_vram_used() - pages of device memory allocated now
 * @vram: the device memory
 *
 * Return: the number of pages.
 */
unsigned long vsvm_vram_used(struct vsvm_vram *vram)
{
	unsigned long used;

	spin_lock(&vram->lock);
	used = vram->used;
	spin_unlock(&vram->lock);
	return used;
}

#if IS_ENABLED(CONFIG_DEVICE_PRIVATE)

static void stat_add(struct vsvm_vram *vram, enum vsvm_vram_stat stat, u64 n)
{
	atomic64_add(n, &vram->stats[stat]);
}

static struct vsvm_vram *page_vram(struct page *page)
{
	return container_of(page->pgmap, struct vsvm_vram, pgmap);
}

/* Pages that may be allocated: the ``vram_limit_mb`` tunable caps them. */
static unsigned long vram_limit(struct vsvm_vram *vram)
{
	unsigned long mb = READ_ONCE(vram->vdev->tunables.vram_limit_mb);

	return mb ? min(vram->npages, mb << (20 - PAGE_SHIFT)) : vram->npages;
}

/* A free page of device memory, referenced and locked; NULL when full. */
static struct page *vram_alloc_page(struct vsvm_vram *vram)
{
	unsigned long limit = vram_limit(vram);
	unsigned long idx;
	struct page *page;

	spin_lock(&vram->lock);
	idx = vram->npages;
	if (vram->used < limit) {
		idx = find_next_zero_bit(vram->bitmap, vram->npages, vram->hand);
		if (idx >= vram->npages)
			idx = find_first_zero_bit(vram->bitmap, vram->npages);
	}
	if (idx >= vram->npages) {
		spin_unlock(&vram->lock);
		return NULL;
	}
	__set_bit(idx, vram->bitmap);
	vram->used++;
	vram->hand = idx + 1 < vram->npages ? idx + 1 : 0;
	spin_unlock(&vram->lock);

	page = pfn_to_page(vram->first_pfn + idx);
	zone_device_page_init(page);
	return page;
}

static void vram_page_free(struct page *page)
{
	struct vsvm_vram *vram = page_vram(page);
	unsigned long idx = page_to_pfn(page) - vram->first_pfn;

	spin_lock(&vram->lock);
	WARN_ON(!__test_and_clear_bit(idx, vram->bitmap));
	clear_bit(idx, vram->referenced);
	vram->used--;
	spin_unlock(&vram->lock);
}

/* The copy engines move the pages (DOC: Device memory); count them. */
static unsigned long vram_engine_copy(struct vsvm_vram *vram, const unsigned long *src,
				      const unsigned long *dst, unsigned long n)
{
	unsigned long copied = vsvm_copy_migrate(vram->vdev, src, dst, n);

	stat_add(vram, VSVM_VRAM_STAT_ENGINE_COPIED, copied);
	return copied;
}

/*
 * Copy the device pages of @src (migrate pfns) to new system pages in @dst,
 * for the entries marked to migrate, on the copy engines. Return the pages
 * copied; an entry whose system page could not be allocated stays where it
 * is (dst 0).
 */
static unsigned long vram_copy_to_ram(struct vsvm_vram *vram, unsigned long *src,
				      unsigned long *dst, unsigned long n,
				      struct vm_area_struct *vma, unsigned long start)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		struct page *spage = migrate_pfn_to_page(src[i]);
		struct page *dpage;

		dst[i] = 0;
		if (!spage || !(src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		if (vma)
			dpage = alloc_page_vma(GFP_HIGHUSER_MOVABLE, vma,
					       start + i * PAGE_SIZE);
		else
			dpage = alloc_page(GFP_HIGHUSER_MOVABLE);
		if (!dpage)
			continue;
		lock_page(dpage);
		dst[i] = migrate_pfn(page_to_pfn(dpage)) | (src[i] & MIGRATE_PFN_WRITE);
	}
	return vram_engine_copy(vram, src, dst, n);
}

/* Entries of @src still marked to migrate after migrate_*_pages(). */
static unsigned long migrated(const unsigned long *src, const unsigned long *dst,
			      unsigned long n)
{
	unsigned long i, count = 0;

	for (i = 0; i < n; i++)
		if (dst[i] && (src[i] & MIGRATE_PFN_MIGRATE))
			count++;
	return count;
}

static vm_fault_t vram_migrate_to_ram(struct vm_fault *vmf)
{
	struct vsvm_vram *vram = page_vram(vmf->page);
	struct vm_area_struct *vma = vmf->vma;
	unsigned long around = READ_ONCE(vram->vdev->tunables.migrate_back_kb);
	unsigned long addr = ALIGN_DOWN(vmf->address, PAGE_SIZE);
	unsigned long src_one, dst_one, *src = &src_one, *dst = &dst_one;
	struct migrate_vma args = {
		.vma = vma,
		.pgmap_owner = vram->vdev,
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
		.fault_page = vmf->page,
	};
	vm_fault_t ret = 0;
	unsigned long n;

	around = ALIGN(around * SZ_1K, PAGE_SIZE);
	args.start = max(vma->vm_start, addr > around ? addr - around : 0);
	args.end = min(vma->vm_end, addr + PAGE_SIZE + around);
	n = (args.end - args.start) >> PAGE_SHIFT;
	if (n > 1) {
		src = kvcalloc(2 * n, sizeof(*src), GFP_KERNEL);
		if (!src)
			return VM_FAULT_OOM;
		dst = src + n;
	}
	args.src = src;
	args.dst = dst;
	if (migrate_vma_setup(&args)) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	if (args.cpages) {
		vram_copy_to_ram(vram, src, dst, n, vma, args.start);
		/* The page the CPU waits for must move, or the fault repeats. */
		if (!dst[(addr - args.start) >> PAGE_SHIFT] &&
		    (src[(addr - args.start) >> PAGE_SHIFT] & MIGRATE_PFN_MIGRATE))
			ret = VM_FAULT_OOM;
		migrate_vma_pages(&args);
		stat_add(vram, VSVM_VRAM_STAT_TO_RAM, migrated(src, dst, n));
		migrate_vma_finalize(&args);
	}
out:
	if (src != &src_one)
		kvfree(src);
	return ret;
}

static const struct dev_pagemap_ops vram_pagemap_ops = {
	.page_free = vram_page_free,
	.migrate_to_ram = vram_migrate_to_ram,
};

/* Whether any of the @n pages from index @idx is allocated. */
static bool vram_allocated_in(struct vsvm_vram *vram, unsigned long idx, unsigned long n)
{
	bool any;

	spin_lock(&vram->lock);
	any = find_next_bit(vram->bitmap, idx + n, idx) < idx + n;
	spin_unlock(&vram->lock);
	return any;
}

/**
 * vsvm_vram_evict() - move device pages back to system memory
 * @vram: the device memory
 * @want: pages to free; ULONG_MAX: all of them
 *
 * A clock (DOC: Device memory): from where the hand stopped last time, a
 * page whose referenced bit is set loses the bit and stays; runs of pages
 * whose bit is clear move, no more than @want. Twice round, the hand has
 * given every page its second chance; a third time round it moves pages
 * whatever their bit, so memory that the device keeps using still makes
 * room. @want ULONG_MAX moves every page, used or not.
 * Pages that are busy (locked by a migration in flight) are skipped. Sleeps.
 *
 * Return: the pages moved back.
 */
unsigned long vsvm_vram_evict(struct vsvm_vram *vram, unsigned long want)
{
	unsigned long src[VSVM_VRAM_EVICT_BATCH], dst[VSVM_VRAM_EVICT_BATCH];
	unsigned long done = 0, scanned = 0, idx, i, end;
	bool all = want == ULONG_MAX;

	if (!vram->npages)
		return 0;
	mutex_lock(&vram->evict_lock);
	idx = vram->clock;
	while (done < want && scanned < 3 * vram->npages) {
		unsigned long n = min_t(unsigned long, VSVM_VRAM_EVICT_BATCH, vram->npages - idx);
		bool lru = !all && scanned < 2 * vram->npages;

		/* Most of a large memory is free under a small limit. */
		i = vram_allocated_in(vram, idx, n) ? 0 : n;
		for (; i < n && done < want; i = end) {
			if (lru && test_and_clear_bit(idx + i, vram->referenced)) {
				end = i + 1;
				continue;
			}
			/* No more than is wanted: the rest waits for the hand. */
			for (end = i + 1; end < n && (all || end - i < want - done); end++)
				if (lru && test_bit(idx + end, vram->referenced))
					break;
			migrate_device_range(src, vram->first_pfn + idx + i, end - i);
			vram_copy_to_ram(vram, src, dst, end - i, NULL, 0);
			migrate_device_pages(src, dst, end - i);
			done += migrated(src, dst, end - i);
			migrate_device_finalize(src, dst, end - i);
		}
		scanned += i;
		idx = idx + i < vram->npages ? idx + i : 0;
		cond_resched();
	}
	vram->clock = idx;
	mutex_unlock(&vram->evict_lock);
	stat_add(vram, VSVM_VRAM_STAT_EVICTED, done);
	return done;
}

/* Free pages, evicting if there are fewer than @want. */
static void vram_make_room(struct vsvm_vram *vram, unsigned long want)
{
	unsigned long free;
	unsigned long limit = vram_limit(vram);

	spin_lock(&vram->lock);
	free = vram->used < limit ? limit - vram->used : 0;
	spin_unlock(&vram->lock);
	if (free < want)
		vsvm_vram_evict(vram, want - free);
}

/* Copy the window's selected system pages to device pages, on the copy engines. */
static unsigned long vram_copy_to_device(struct vsvm_vram *vram, struct migrate_vma *args)
{
	unsigned long i, n = args->npages;

	for (i = 0; i < n; i++) {
		unsigned long s = args->src[i];
		struct page *spage = migrate_pfn_to_page(s);
		struct page *dpage;

		args->dst[i] = 0;
		if (!(s & MIGRATE_PFN_MIGRATE))
			continue;
		/*
		 * A hole stays a hole: made a device page, eviction would
		 * turn it into system memory, and a migration of a large
		 * untouched range would fill RAM that way (the fuzzer did).
		 * Another device's page, or any zone-device page, stays too.
		 */
		if (!spage || is_zone_device_page(spage))
			continue;
		dpage = vram_alloc_page(vram);
		if (!dpage) {
			stat_add(vram, VSVM_VRAM_STAT_ALLOC_FAILED, 1);
			continue;
		}
		args->dst[i] = migrate_pfn(page_to_pfn(dpage)) | (s & MIGRATE_PFN_WRITE);
	}
	return vram_engine_copy(vram, args->src, args->dst, n);
}

/* One window [start, end) inside @vma, under mmap_lock. Return pages moved. */
static unsigned long vram_migrate_window(struct vsvm_vram *vram, struct vm_area_struct *vma,
					 unsigned long start, unsigned long end, bool to_device,
					 unsigned long *src, unsigned long *dst)
{
	struct migrate_vma args = {
		.vma = vma,
		.start = start,
		.end = end,
		.src = src,
		.dst = dst,
		/* The cookies of DOC: Event policy: in and out. */
		.pgmap_owner = to_device ? (void *)vram : vram->vdev,
		.flags = to_device ? MIGRATE_VMA_SELECT_SYSTEM : MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
	};
	unsigned long n = (end - start) >> PAGE_SHIFT, moved;

	if (migrate_vma_setup(&args) || !args.cpages)
		return 0;
	if (to_device)
		vram_copy_to_device(vram, &args);
	else
		vram_copy_to_ram(vram, src, dst, n, vma, start);
	migrate_vma_pages(&args);
	moved = migrated(src, dst, n);
	migrate_vma_finalize(&args);
	stat_add(vram, to_device ? VSVM_VRAM_STAT_TO_DEVICE : VSVM_VRAM_STAT_TO_RAM_ASKED, moved);
	return moved;
}

/**
 * vsvm_vram_migrate() - move the pages of a range to the device or back
 * @vram: the device memory
 * @mm: the address space (the caller holds a reference on it)
 * @start: first address, page aligned
 * @end: end, page aligned
 * @to_device: true: system pages (and anonymous holes) to device memory;
 *	false: this device's pages back to system memory
 *
 * Best effort, window by window (DOC: Device memory): pages that cannot
 * move (pinned, busy, file-backed, no device memory left) stay where they
 * are. Sleeps; takes mmap_lock for read.
 *
 * Return: 0, -EOPNOTSUPP when the device has no memory, -ENOMEM, -EINTR on
 * a fatal signal, -EFAULT when a page of the range has no VMA.
 */
int vsvm_vram_migrate(struct vsvm_vram *vram, struct mm_struct *mm,
		      unsigned long start, unsigned long end, bool to_device)
{
	unsigned long *src, addr = start;
	int ret = 0;

	if (!vram->npages)
		return -EOPNOTSUPP;
	src = kvcalloc(2 * VSVM_VRAM_WINDOW, sizeof(*src), GFP_KERNEL);
	if (!src)
		return -ENOMEM;
	while (addr < end) {
		unsigned long wend = min(ALIGN_DOWN(addr, SZ_2M) + SZ_2M, end);
		struct vm_area_struct *vma;

		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (to_device)
			vram_make_room(vram, (wend - addr) >> PAGE_SHIFT);
		mmap_read_lock(mm);
		vma = vma_lookup(mm, addr);
		if (!vma) {
			mmap_read_unlock(mm);
			ret = -EFAULT;
			break;
		}
		wend = min(wend, vma->vm_end);
		vram_migrate_window(vram, vma, addr, wend, to_device, src,
				    src + VSVM_VRAM_WINDOW);
		mmap_read_unlock(mm);
		addr = wend;
		cond_resched();
	}
	kvfree(src);
	return ret;
}

/* The devices with memory, by platform device id (vsvm_vram_owner()). */
static struct vsvm_device *vram_owners[VSVM_MAX_DEVICES];

/**
 * vsvm_vram_owner() - the owner cookie of a device's memory
 * @id: the device's platform device id, below %VSVM_MAX_DEVICES
 *
 * Return: the device whose pages are ``pgmap->owner`` == it, or NULL when
 * device @id has no memory (or none any more). Only to compare with
 * ``pgmap->owner``: the device may go at any time.
 */
void *vsvm_vram_owner(unsigned int id)
{
	return id < VSVM_MAX_DEVICES ? READ_ONCE(vram_owners[id]) : NULL;
}

static void vram_release(void *data)
{
	struct vsvm_vram *vram = data;
	unsigned int tries;

	WRITE_ONCE(vram_owners[vram->vdev->pdev->id], NULL);

	/* Processes keep their data: everything goes back to system memory. */
	for (tries = 0; tries < 16 && vsvm_vram_used(vram); tries++)
		vsvm_vram_evict(vram, ULONG_MAX);
	memunmap_pages(&vram->pgmap);
	vfree(vram->backing);
	bitmap_free(vram->referenced);
	bitmap_free(vram->bitmap);
}

/**
 * vsvm_vram_init() - give the device its memory (DOC: Device memory)
 * @vdev: the device, with @vdev->vram zeroed
 *
 * Sizes it from ``vram_mb``; torn down when the platform device unbinds.
 *
 * Return: 0 or a negative errno.
 */
int vsvm_vram_init(struct vsvm_device *vdev)
{
	struct vsvm_vram *vram = &vdev->vram;
	struct device *dev = &vdev->pdev->dev;
	unsigned long size = (unsigned long)vsvm_vram_mb * SZ_1M;
	struct resource *res;
	void *addr;
	int ret;

	vram->vdev = vdev;
	spin_lock_init(&vram->lock);
	mutex_init(&vram->evict_lock);
	if (!size)
		return 0;
	if (vdev->pdev->id < 0 || vdev->pdev->id >= VSVM_MAX_DEVICES)
		return dev_err_probe(dev, -EINVAL, "device id %d outside 0..%d\n",
				     vdev->pdev->id, VSVM_MAX_DEVICES - 1);
	/* The frames above it are no one's (DOC: Device memory). */
	res = devm_request_free_mem_region(dev, &iomem_resource, size + SZ_2M);
	if (IS_ERR(res))
		return dev_err_probe(dev, PTR_ERR(res), "no physical range for %u MiB of memory\n",
				     vsvm_vram_mb);
	vram->bitmap = bitmap_zalloc(size >> PAGE_SHIFT, GFP_KERNEL);
	vram->referenced = bitmap_zalloc(size >> PAGE_SHIFT, GFP_KERNEL);
	vram->backing = vzalloc(size);
	if (!vram->bitmap || !vram->referenced || !vram->backing) {
		ret = -ENOMEM;
		goto err_free;
	}
	vram->pgmap.type = MEMORY_DEVICE_PRIVATE;
	vram->pgmap.range.start = res->start;
	vram->pgmap.range.end = res->start + size - 1;
	vram->pgmap.nr_range = 1;
	vram->pgmap.ops = &vram_pagemap_ops;
	vram->pgmap.owner = vdev;
	addr = memremap_pages(&vram->pgmap, NUMA_NO_NODE);
	if (IS_ERR(addr)) {
		ret = PTR_ERR(addr);
		goto err_free;
	}
	vram->first_pfn = PHYS_PFN(res->start);
	vram->npages = size >> PAGE_SHIFT;
	ret = devm_add_action_or_reset(dev, vram_release, vram);
	if (!ret)
		WRITE_ONCE(vram_owners[vdev->pdev->id], vdev);
	return ret;

err_free:
	vfree(vram->backing);
	bitmap_free(vram->referenced);
	bitmap_free(vram->bitmap);
	vram->backing = NULL;
	vram->referenced = NULL;
	vram->bitmap = NULL;
	return ret;
}

#else /* !CONFIG_DEVICE_PRIVATE */

void *vsvm_vram_owner(unsigned int id)
{
	return NULL;
}

unsigned long vsvm_vram_evict(struct vsvm_vram *vram, unsigned long want)
{
	return 0;
}

int vsvm_vram_migrate(struct vsvm_vram *vram, struct mm_struct *mm,
		      unsigned long start, unsigned long end, bool to_device)
{
	return -EOPNOTSUPP;
}

int vsvm_vram_init(struct vsvm_device *vdev)
{
	vdev->vram.vdev = vdev;
	spin_lock_init(&vdev->vram.lock);
	mutex_init(&vdev->vram.evict_lock);
	if (vsvm_vram_mb)
		dev_info(&vdev->pdev->dev, "no device memory: the kernel lacks CONFIG_DEVICE_PRIVATE\n");
	return 0;
}

#endif /* CONFIG_DEVICE_PRIVATE */
