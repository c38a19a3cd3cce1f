/* emu_server.h -- the emulator's HTTP front: libmicrohttpd around emu_handle.
 *
 * The model: a libmicrohttpd daemon (a pool of polling threads over epoll,
 * keep-alive) turns each request into (method, parameters) -- the raw query
 * string, and for POST an application/x-www-form-urlencoded body, parsed with
 * params_parse_urlencoded, the body's values winning -- and answers with
 * emu_handle's response. GET /__emulator/state answers emu_state_json
 * (outside the API: no signature). A response marked drop closes the
 * connection without an answer. With a latency, the connection is suspended
 * and a timer thread resumes it when the answer is due: no thread sleeps.
 *
 * Thread-safety: start and stop from one thread; the emu must outlive the
 * server.
 */
#ifndef CBN_EMU_SERVER_H
#define CBN_EMU_SERVER_H

#include "emu.h"

#include <stddef.h>

struct emu_server;

/* Listen on bind_addr (IPv4 or IPv6 literal) port (0: the OS chooses) with
 * threads polling threads, serving e. Returns 0 and *out, or CBN_EINVAL (bad
 * address) / CBN_EIO (could not listen) with err filled. */
int emu_server_start(struct emu_server **out, struct emu *e, const char *bind_addr, int port,
                     int threads, char *err, size_t errlen);

/* The same over HTTPS: cert_pem and key_pem are the PEM texts of the
 * server's certificate (chain) and private key (copied by libmicrohttpd). */
int emu_server_start_tls(struct emu_server **out, struct emu *e, const char *bind_addr,
                         int port, int threads, const char *cert_pem, const char *key_pem,
                         char *err, size_t errlen);

/* The port it listens on. */
int emu_server_port(const struct emu_server *s);

/* Answer what is delayed, close every connection, free s. NULL is fine. */
void emu_server_stop(struct emu_server *s);

#endif
