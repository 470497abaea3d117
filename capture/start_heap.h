/* SPDX-License-Identifier: MIT */
/*
 * start_heap.h - the helper's heap during start-up, on 2 MiB pages where the kernel gives them.
 *
 * A start copies the kernel's BTF (~5.5 MB on 6.18) twice for each of the two BPF objects
 * (libbpf's read buffer and its parsed copy) and parses /proc/kallsyms: ~25 MB of memory
 * touched for the first time. Each first touch of a 4 KiB page is a page fault; where faults
 * are dear (a VM whose page tables the hypervisor shadows: ~18 us a fault on our benchmark
 * host, 22 MB touched = 100 ms) they were a third of the start's CPU. The helper therefore keeps
 * its allocations in one heap (threads included) whose start-up reserve is advised for
 * transparent huge pages, and gives the reserve back once the session runs.
 */
#ifndef PKTMON_START_HEAP_H
#define PKTMON_START_HEAP_H

/* Call first in main, before any thread or large allocation. Harmless where transparent huge
 * pages are off (the advice is refused; the heap is the usual one). */
void start_heap_on_huge_pages(void);

/* Once the programs are loaded: what the start no longer uses goes back to the system, and
 * later allocations follow glibc's defaults again. */
void start_heap_release(void);

#endif
