#ifndef CSHIMS_H
#define CSHIMS_H

// Linux interfaces that Swift's Glibc module does not export (epoll, eventfd, accept4)
// or that are macros Swift cannot import. Each wrapper is here for one of those reasons.

#include <stdint.h>
#include <pthread.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

/// `accept4(2)` is declared only under _GNU_SOURCE, which the Glibc module is built without.
int cshims_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

/// `epoll_ctl(2)` with the packed `struct epoll_event` built on the C side, where its layout is known.
int cshims_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);

/// One event returned by `cshims_epoll_wait`, unpacked (x86-64's `struct epoll_event` is packed).
typedef struct {
    uint32_t events;
    uint64_t data;
} cshims_epoll_event;

/// `epoll_wait(2)` writing into unpacked events.
int cshims_epoll_wait(int epfd, cshims_epoll_event *events, int max, int timeout_ms);

/// `SO_REUSEPORT`, `TCP_NODELAY`, `EPOLL*` and `EFD_*` are macros or enum values with
/// platform types; these give them to Swift as plain integers.
static inline int cshims_so_reuseport(void) { return SO_REUSEPORT; }
static inline int cshims_tcp_nodelay(void) { return TCP_NODELAY; }
static inline uint32_t cshims_epollin(void) { return EPOLLIN; }
static inline uint32_t cshims_epollout(void) { return EPOLLOUT; }
static inline uint32_t cshims_epollrdhup(void) { return EPOLLRDHUP; }
static inline uint32_t cshims_epollhup(void) { return EPOLLHUP; }
static inline uint32_t cshims_epollerr(void) { return EPOLLERR; }
static inline uint32_t cshims_epollet(void) { return EPOLLET; }
static inline int cshims_efd_flags(void) { return EFD_NONBLOCK | EFD_CLOEXEC; }

/// Names the calling thread (`pthread_setname_np`, a GNU extension), truncated to 15 bytes.
int cshims_set_thread_name(const char *name);

/// `malloc_trim(0)`: returns free heap pages to the kernel (glibc keeps them otherwise).
int cshims_malloc_trim(void);

/// Free bytes malloc holds inside its heaps (`mallinfo2`: `fordblks - keepcost`, all arenas):
/// memory freed between blocks still in use, which `free` cannot give back by itself.
size_t cshims_malloc_held_free_bytes(void);

/// The CPUs the calling thread may run on, in order, written to `cpus` (at most `capacity`);
/// returns how many, or 0 when unknown. `CPU_ISSET` is a macro.
int cshims_allowed_cpus(int *cpus, int capacity);

/// The CPU the calling thread runs on now (`sched_getcpu`, declared only under _GNU_SOURCE), or -1.
int cshims_current_cpu(void);

/// Sets `attr` so a thread created with it runs on `cpu` only (`pthread_attr_setaffinity_np`
/// with a `cpu_set_t` built by macros). Returns 0 or an error number.
int cshims_attr_pin_cpu(pthread_attr_t *attr, int cpu);

#endif
