/* socketpair(2) and a posix_spawn with a reaper thread (see berth_sys.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "berth_sys.h"
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

napi_value js_socketpair(napi_env env, napi_callback_info info) {
  (void)info;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return throw_errno(env, "socketpair", errno);
  napi_value arr, a, b;
  napi_create_array_with_length(env, 2, &arr);
  napi_create_int32(env, sv[0], &a);
  napi_create_int32(env, sv[1], &b);
  napi_set_element(env, arr, 0, a);
  napi_set_element(env, arr, 1, b);
  return arr;
}

/* ---- spawn ---- */

struct reaper {
  pid_t pid;
  napi_threadsafe_function tsfn;
};

struct exit_info {
  int code;
  int signal;
};

static void *reap(void *arg) {
  struct reaper *r = arg;
  int status = 0;
  pid_t got;
  do got = waitpid(r->pid, &status, 0);
  while (got < 0 && errno == EINTR);
  struct exit_info *x = malloc(sizeof *x);
  if (x) {
    x->code = got > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    x->signal = got > 0 && WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    if (napi_call_threadsafe_function(r->tsfn, x, napi_tsfn_blocking) != napi_ok) free(x);
  }
  napi_release_threadsafe_function(r->tsfn, napi_tsfn_release);
  free(r);
  return NULL;
}

static void call_on_exit(napi_env env, napi_value cb, void *context, void *data) {
  (void)context;
  struct exit_info *x = data;
  if (env && cb) {
    napi_value argv[2], undef;
    napi_create_int32(env, x->code, &argv[0]);
    napi_create_int32(env, x->signal, &argv[1]);
    napi_get_undefined(env, &undef);
    napi_call_function(env, undef, cb, 2, argv, NULL);
  }
  free(x);
}

/* A NULL-terminated copy of a JS array of strings; NULL on a wrong type. */
static char **str_array(napi_env env, napi_value v) {
  bool is;
  uint32_t n;
  if (napi_is_array(env, v, &is) != napi_ok || !is || napi_get_array_length(env, v, &n) != napi_ok) return NULL;
  char **out = calloc(n + 1, sizeof *out);
  if (!out) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    int bad = 0;
    if (napi_get_element(env, v, i, &e) != napi_ok || !(out[i] = str_arg(env, e, &bad)) || bad) {
      for (uint32_t k = 0; k <= i; k++) free(out[k]);
      free(out);
      return NULL;
    }
  }
  return out;
}

static void free_array(char **a) {
  if (!a) return;
  for (char **p = a; *p; p++) free(*p);
  free(a);
}

#define MAX_CHILD_FDS 16

napi_value js_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int bad = argc < 6;
  char *file = bad ? NULL : str_arg(env, argv[0], &bad);
  char **args = bad ? NULL : str_array(env, argv[1]);
  char **envp = bad ? NULL : str_array(env, argv[2]);
  char *cwd = bad ? NULL : str_arg(env, argv[3], &bad);
  int fds[MAX_CHILD_FDS];
  uint32_t nfds = 0;
  bool is_array = false;
  napi_valuetype cbt = napi_undefined;
  if (!bad) {
    napi_is_array(env, argv[4], &is_array);
    napi_typeof(env, argv[5], &cbt);
    if (!is_array || napi_get_array_length(env, argv[4], &nfds) != napi_ok || nfds < 3 || nfds > MAX_CHILD_FDS || cbt != napi_function) bad = 1;
    for (uint32_t i = 0; !bad && i < nfds; i++) {
      napi_value e;
      if (napi_get_element(env, argv[4], i, &e) != napi_ok || napi_get_value_int32(env, e, &fds[i]) != napi_ok || fds[i] < -1) bad = 1;
    }
  }
  napi_value result = NULL;
  if (bad || !file || !args || !envp || !cwd) {
    napi_throw_type_error(env, NULL, "spawn(file, args[], env[], cwd, fds[3..16], onExit)");
    goto out;
  }
  /* a source fd that is also a target below it would be overwritten first: use copies above every target */
  int copies[MAX_CHILD_FDS];
  for (uint32_t i = 0; i < nfds; i++) {
    copies[i] = -1;
    if (fds[i] >= 0 && fds[i] < (int)nfds) {
      copies[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, (int)nfds);
      if (copies[i] < 0) {
        int err = errno;
        for (uint32_t k = 0; k < i; k++) if (copies[k] >= 0) close(copies[k]);
        throw_errno(env, "fcntl", err);
        goto out;
      }
    }
  }
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  for (uint32_t i = 0; i < nfds; i++) {
    int src = copies[i] >= 0 ? copies[i] : fds[i];
    if (src >= 0) posix_spawn_file_actions_adddup2(&fa, src, (int)i);
    else posix_spawn_file_actions_addopen(&fa, (int)i, "/dev/null", O_RDWR, 0);
  }
  posix_spawn_file_actions_addchdir_np(&fa, cwd);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid;
  int rc = posix_spawn(&pid, file, &fa, &attr, args, envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  for (uint32_t i = 0; i < nfds; i++) if (copies[i] >= 0) close(copies[i]);
  if (rc != 0) {
    throw_errno(env, "spawn", rc);
    goto out;
  }
  struct reaper *r = calloc(1, sizeof *r);
  napi_value name;
  napi_create_string_utf8(env, "berth_sys.spawn", NAPI_AUTO_LENGTH, &name);
  pthread_t t;
  pthread_attr_t ta;
  if (!r || napi_create_threadsafe_function(env, argv[5], NULL, name, 0, 1, NULL, NULL, NULL, call_on_exit, &r->tsfn) != napi_ok) {
    free(r);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    throw_errno(env, "spawn", ENOMEM);
    goto out;
  }
  /* the reaper thread must not keep the event loop alive by itself */
  napi_unref_threadsafe_function(env, r->tsfn);
  r->pid = pid;
  pthread_attr_init(&ta);
  pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&ta, 64 * 1024);
  if (pthread_create(&t, &ta, reap, r) != 0) {
    /* no thread: reap in place after a kill, so that no zombie is left */
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    napi_release_threadsafe_function(r->tsfn, napi_tsfn_abort);
    free(r);
    pthread_attr_destroy(&ta);
    throw_errno(env, "pthread_create", EAGAIN);
    goto out;
  }
  pthread_attr_destroy(&ta);
  napi_create_int32(env, pid, &result);
out:
  free(file);
  free(cwd);
  free_array(args);
  free_array(envp);
  return result;
}

