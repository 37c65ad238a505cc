/* portproxy: the published-port relay (see portproxy.h). One epoll thread
 * owns every socket; other threads add workloads (binding in their own
 * thread, so errors reach the request) and ask for removals, which the
 * thread carries out between two epoll_wait batches, so no event ever
 * points at freed memory. */
#include "agent/portproxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/log.h"
#include "agent/name.h"

#define BUF_SIZE 16384

enum src_type { SRC_WAKE, SRC_LISTENER, SRC_CONN };

struct src {
	enum src_type type;
	int side; /* SRC_CONN: 0 the client, 1 the workload */
	void *obj;
};

struct pp_wl;

struct listener {
	struct src src;
	struct pp_wl *wl;
	int fd;
	uint16_t container;
};

struct pp_wl {
	struct pp_wl *next;
	char name[NAME_MAX_LEN + 1];
	int target; /* pidfd, -1 */
	bool removed;
	size_t n;
	struct listener l[SPEC_PORTS_MAX];
};

struct conn {
	struct conn *prev, *next;
	struct src src[2];
	int fd[2];
	bool connecting, dead, eof[2];
	size_t len[2]; /* buf[i]: read from fd[i], to be written to fd[1-i] */
	char buf[2][BUF_SIZE];
};

struct portproxy {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int epfd, wakefd, self_ns;
	struct src wake_src;
	struct pp_wl *wls, *graveyard;
	struct conn *conns, *dead; /* dead: closed in this batch, freed after it */
	size_t nconns;
	bool stopping;
	unsigned long generation, reaped; /* removals asked for, and done */
};

static void wake(struct portproxy *pp)
{
	uint64_t one = 1;

	if (write(pp->wakefd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("portproxy: wake: %s", strerror(errno));
}

/* Closes now, frees after the batch: a later event of the same batch may
 * still point at it. */
static void conn_close(struct portproxy *pp, struct conn *c)
{
	for (int i = 0; i < 2; i++)
		if (c->fd[i] >= 0)
			close(c->fd[i]);
	if (c->prev)
		c->prev->next = c->next;
	else
		pp->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->dead = true;
	c->next = pp->dead;
	pp->dead = c;
	pthread_mutex_lock(&pp->lock);
	pp->nconns--;
	pthread_mutex_unlock(&pp->lock);
}

static void free_dead(struct portproxy *pp)
{
	while (pp->dead) {
		struct conn *c = pp->dead;
		pp->dead = c->next;
		free(c);
	}
}

static void conn_interest(struct portproxy *pp, struct conn *c)
{
	for (int i = 0; i < 2; i++) {
		struct epoll_event ev = {.data.ptr = &c->src[i]};
		if (i == 1 && c->connecting)
			ev.events = EPOLLOUT;
		else {
			if (!c->eof[i] && c->len[i] < BUF_SIZE && !c->connecting)
				ev.events |= EPOLLIN;
			if (c->len[1 - i] > 0)
				ev.events |= EPOLLOUT;
		}
		epoll_ctl(pp->epfd, EPOLL_CTL_MOD, c->fd[i], &ev);
	}
}

/* Moves what can move, both ways; false when the connection is over. */
static bool conn_pump(struct conn *c)
{
	for (int i = 0; i < 2; i++) {
		int j = 1 - i;
		while (!c->eof[i] && c->len[i] < BUF_SIZE) {
			ssize_t n = recv(c->fd[i], c->buf[i] + c->len[i], BUF_SIZE - c->len[i], 0);
			if (n > 0) {
				c->len[i] += (size_t)n;
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				break;
			if (n < 0)
				return false;
			c->eof[i] = true;
		}
		while (c->len[i] > 0) {
			ssize_t n = send(c->fd[j], c->buf[i], c->len[i], MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				break;
			if (n <= 0)
				return false;
			memmove(c->buf[i], c->buf[i] + n, c->len[i] - (size_t)n);
			c->len[i] -= (size_t)n;
		}
		/* Half-close travels once everything before it has. */
		if (c->eof[i] && c->len[i] == 0)
			shutdown(c->fd[j], SHUT_WR);
	}
	return !(c->eof[0] && c->eof[1] && c->len[0] == 0 && c->len[1] == 0);
}

static void on_conn(struct portproxy *pp, struct conn *c, int side, uint32_t events)
{
	if (side == 1 && c->connecting) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
			conn_close(pp, c);
			return;
		}
		c->connecting = false;
	}
	if ((events & EPOLLERR) || !conn_pump(c)) {
		conn_close(pp, c);
		return;
	}
	conn_interest(pp, c);
}

/* A socket in the workload's net namespace: this thread steps in for the
 * socket() call and straight back out. */
static int socket_in(struct portproxy *pp, int pidfd)
{
	int fd, saved;

	if (setns(pidfd, CLONE_NEWNET) < 0)
		return -errno;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	saved = errno;
	if (setns(pp->self_ns, CLONE_NEWNET) < 0) {
		/* Cannot happen with our own namespace fd; if it did, this
		 * thread would serve from the wrong namespace. */
		log_err("portproxy: cannot return to the agent's net namespace: %s", strerror(errno));
		abort();
	}
	return fd < 0 ? -saved : fd;
}

static void on_accept(struct portproxy *pp, struct listener *l)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(l->container),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct conn *c;
	int cfd, wfd, target;
	bool full;

	cfd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	pthread_mutex_lock(&pp->lock);
	target = l->wl->target >= 0 ? fcntl(l->wl->target, F_DUPFD_CLOEXEC, 3) : -1;
	full = pp->nconns >= PORTPROXY_CONNS_MAX;
	if (!full && target >= 0)
		pp->nconns++;
	pthread_mutex_unlock(&pp->lock);
	if (full || target < 0) {
		if (target >= 0)
			close(target);
		close(cfd);
		return;
	}
	wfd = socket_in(pp, target);
	close(target);
	c = wfd >= 0 ? calloc(1, sizeof(*c)) : NULL;
	if (!c || (connect(wfd, (struct sockaddr *)&to, sizeof(to)) < 0 && errno != EINPROGRESS)) {
		if (wfd >= 0)
			close(wfd);
		close(cfd);
		free(c);
		pthread_mutex_lock(&pp->lock);
		pp->nconns--;
		pthread_mutex_unlock(&pp->lock);
		return;
	}
	c->fd[0] = cfd;
	c->fd[1] = wfd;
	c->connecting = true;
	for (int i = 0; i < 2; i++) {
		struct epoll_event ev = {.events = i ? EPOLLOUT : 0, .data.ptr = &c->src[i]};
		c->src[i] = (struct src){SRC_CONN, i, c};
		epoll_ctl(pp->epfd, EPOLL_CTL_ADD, c->fd[i], &ev);
	}
	c->next = pp->conns;
	if (c->next)
		c->next->prev = c;
	pp->conns = c;
}

static void reap_removed(struct portproxy *pp)
{
	struct pp_wl *dead;

	pthread_mutex_lock(&pp->lock);
	dead = pp->graveyard;
	pp->graveyard = NULL;
	pthread_mutex_unlock(&pp->lock);
	while (dead) {
		struct pp_wl *next = dead->next;
		for (size_t i = 0; i < dead->n; i++)
			close(dead->l[i].fd); /* also leaves the epoll set */
		if (dead->target >= 0)
			close(dead->target);
		free(dead);
		dead = next;
	}
	pthread_mutex_lock(&pp->lock);
	pp->reaped = pp->generation;
	pthread_cond_broadcast(&pp->cond);
	pthread_mutex_unlock(&pp->lock);
}

static void *proxy_main(void *arg)
{
	struct portproxy *pp = arg;
	struct epoll_event evs[64];

	for (;;) {
		int n = epoll_wait(pp->epfd, evs, 64, -1);
		for (int i = 0; i < n; i++) {
			struct src *s = evs[i].data.ptr;
			if (s->type == SRC_WAKE) {
				uint64_t v;
				if (read(pp->wakefd, &v, sizeof(v)) < 0 && errno != EAGAIN)
					log_warn("portproxy: %s", strerror(errno));
			} else if (s->type == SRC_LISTENER) {
				struct listener *l = s->obj;
				if (!l->wl->removed)
					on_accept(pp, l);
			} else if (!((struct conn *)s->obj)->dead) {
				on_conn(pp, s->obj, s->side, evs[i].events);
			}
		}
		free_dead(pp);
		reap_removed(pp);
		pthread_mutex_lock(&pp->lock);
		bool stop = pp->stopping;
		pthread_mutex_unlock(&pp->lock);
		if (stop)
			break;
	}
	return NULL;
}

int portproxy_start(struct portproxy **ret)
{
	struct portproxy *pp = calloc(1, sizeof(*pp));
	struct epoll_event ev;
	int r;

	if (!pp)
		return -ENOMEM;
	pthread_mutex_init(&pp->lock, NULL);
	pthread_cond_init(&pp->cond, NULL);
	pp->epfd = epoll_create1(EPOLL_CLOEXEC);
	pp->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pp->self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (pp->epfd < 0 || pp->wakefd < 0 || pp->self_ns < 0) {
		r = -errno;
		goto fail;
	}
	pp->wake_src.type = SRC_WAKE;
	ev = (struct epoll_event){.events = EPOLLIN, .data.ptr = &pp->wake_src};
	if (epoll_ctl(pp->epfd, EPOLL_CTL_ADD, pp->wakefd, &ev) < 0) {
		r = -errno;
		goto fail;
	}
	r = -pthread_create(&pp->thread, NULL, proxy_main, pp);
	if (r < 0)
		goto fail;
	*ret = pp;
	return 0;
fail:
	if (pp->epfd >= 0)
		close(pp->epfd);
	if (pp->wakefd >= 0)
		close(pp->wakefd);
	if (pp->self_ns >= 0)
		close(pp->self_ns);
	free(pp);
	return r;
}

void portproxy_stop(struct portproxy *pp)
{
	if (!pp)
		return;
	pthread_mutex_lock(&pp->lock);
	pp->stopping = true;
	/* Everything still listed goes the removal way. */
	while (pp->wls) {
		struct pp_wl *w = pp->wls;
		pp->wls = w->next;
		w->removed = true;
		w->next = pp->graveyard;
		pp->graveyard = w;
	}
	pthread_mutex_unlock(&pp->lock);
	wake(pp);
	pthread_join(pp->thread, NULL);
	while (pp->conns)
		conn_close(pp, pp->conns);
	free_dead(pp);
	close(pp->epfd);
	close(pp->wakefd);
	close(pp->self_ns);
	pthread_cond_destroy(&pp->cond);
	pthread_mutex_destroy(&pp->lock);
	free(pp);
}

static int bind_one(const struct spec_port *p, int *ret_fd)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, one = 1;

	if (inet_pton(AF_INET, p->address, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(p->host);
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, p->address, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(p->host);
		len = sizeof(*s6);
	} else {
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

int portproxy_add(struct portproxy *pp, const char *name, const struct spec_port *ports, size_t n, struct err *e)
{
	struct pp_wl *w;
	int r = 0;

	if (n == 0)
		return 0;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->target = -1;
	for (size_t i = 0; i < n; i++) {
		r = bind_one(&ports[i], &w->l[i].fd);
		if (r < 0) {
			char field[48];
			snprintf(field, sizeof(field), "ports[%zu].host", i);
			r = err_fail(e, r == -EADDRINUSE ? -EBUSY : r, field, "cannot listen on %s port %u: %s",
				     ports[i].address, ports[i].host, strerror(-r));
			break;
		}
		w->l[i].src = (struct src){SRC_LISTENER, 0, &w->l[i]};
		w->l[i].wl = w;
		w->l[i].container = ports[i].container;
		w->n = i + 1;
	}
	if (r < 0) {
		for (size_t i = 0; i < w->n; i++)
			close(w->l[i].fd);
		free(w);
		return r;
	}
	pthread_mutex_lock(&pp->lock);
	w->next = pp->wls;
	pp->wls = w;
	pthread_mutex_unlock(&pp->lock);
	for (size_t i = 0; i < w->n; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &w->l[i].src};
		epoll_ctl(pp->epfd, EPOLL_CTL_ADD, w->l[i].fd, &ev);
	}
	return 0;
}

static struct pp_wl *find(struct portproxy *pp, const char *name)
{
	for (struct pp_wl *w = pp->wls; w; w = w->next)
		if (strcmp(w->name, name) == 0)
			return w;
	return NULL;
}

void portproxy_set_target(struct portproxy *pp, const char *name, int pidfd)
{
	struct pp_wl *w;

	if (!pp)
		return;
	pthread_mutex_lock(&pp->lock);
	w = find(pp, name);
	if (w) {
		if (w->target >= 0)
			close(w->target);
		w->target = pidfd >= 0 ? fcntl(pidfd, F_DUPFD_CLOEXEC, 3) : -1;
	}
	pthread_mutex_unlock(&pp->lock);
}

void portproxy_remove(struct portproxy *pp, const char *name)
{
	struct pp_wl **pw, *w = NULL;
	unsigned long gen;

	if (!pp)
		return;
	pthread_mutex_lock(&pp->lock);
	for (pw = &pp->wls; *pw; pw = &(*pw)->next)
		if (strcmp((*pw)->name, name) == 0) {
			w = *pw;
			*pw = w->next;
			break;
		}
	if (!w) {
		pthread_mutex_unlock(&pp->lock);
		return;
	}
	w->removed = true;
	w->next = pp->graveyard;
	pp->graveyard = w;
	gen = ++pp->generation;
	pthread_mutex_unlock(&pp->lock);
	wake(pp);
	/* Wait for the thread to close the listeners, so the ports are free
	 * again when this returns (a new workload may publish them). */
	pthread_mutex_lock(&pp->lock);
	while (pp->reaped < gen && !pp->stopping)
		pthread_cond_wait(&pp->cond, &pp->lock);
	pthread_mutex_unlock(&pp->lock);
}

size_t portproxy_conns(struct portproxy *pp)
{
	size_t n;

	pthread_mutex_lock(&pp->lock);
	n = pp->nconns;
	pthread_mutex_unlock(&pp->lock);
	return n;
}
