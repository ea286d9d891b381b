/* Shared by the parts of the berth_sys addon (see berth_sys.c). */
#ifndef BERTH_SYS_H
#define BERTH_SYS_H
#include <node_api.h>

/* A string argument, or NULL for null/undefined. Sets *bad on a wrong type. */
char *str_arg(napi_env env, napi_value v, int *bad);
/* An Error "<call> [<path>]: <strerror>" with `errno` and `syscall` set. */
napi_value errno_error(napi_env env, const char *call, const char *path, int err);
/* Throw an Error "<call>: <strerror>" with `errno` and `syscall` set; returns NULL. */
napi_value throw_errno(napi_env env, const char *call, int err);

napi_value js_mount_sync(napi_env env, napi_callback_info info);
napi_value js_umount2(napi_env env, napi_callback_info info);
napi_value js_socketpair(napi_env env, napi_callback_info info);
napi_value js_spawn(napi_env env, napi_callback_info info);

#endif
