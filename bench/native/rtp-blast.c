/*
 * The media bench's RTP sender: G.711 μ-law RTP (160-byte payload, 20 ms) to every port read from
 * stdin (one per line, on 127.0.0.1), 50 packets/s each for argv[1] seconds, paced against a
 * monotonic clock (a late tick is caught up at once), sent with sendmmsg in batches so the sender
 * costs a small part of what the server does. Prints {"sent":N,"cpu_s":S} when done.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD 160
#define BATCH 512

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 10;
  int cap = 1024, n = 0, port;
  int *ports = malloc(sizeof(int) * cap);
  while (scanf("%d", &port) == 1) {
    if (n == cap) ports = realloc(ports, sizeof(int) * (cap *= 2));
    ports[n++] = port;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int sndbuf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  unsigned char (*pkts)[12 + PAYLOAD] = malloc((size_t)n * (12 + PAYLOAD));
  struct sockaddr_in *addrs = calloc(n, sizeof *addrs);
  unsigned *seq = malloc(sizeof(unsigned) * n), *ts = malloc(sizeof(unsigned) * n);
  for (int i = 0; i < n; i++) {
    memset(pkts[i], 0xff, sizeof pkts[i]);
    pkts[i][0] = 0x80;
    pkts[i][1] = 0; /* PCMU */
    unsigned ssrc = htonl(0x1000 + i);
    memcpy(pkts[i] + 8, &ssrc, 4);
    addrs[i].sin_family = AF_INET;
    addrs[i].sin_port = htons(ports[i]);
    addrs[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    seq[i] = i * 7;
    ts[i] = i * 1000;
  }
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  long long sent = 0;
  long total = (long)(seconds * 50);
  double t0 = now_s();
  for (long tick = 0; tick < total; tick++) {
    double due = t0 + tick * 0.020;
    double wait = due - now_s();
    if (wait > 0) {
      struct timespec s = {(time_t)wait, (long)((wait - (time_t)wait) * 1e9)};
      nanosleep(&s, NULL);
    }
    for (int i = 0; i < n; i += BATCH) {
      int k = n - i < BATCH ? n - i : BATCH;
      for (int j = 0; j < k; j++) {
        unsigned char *p = pkts[i + j];
        unsigned short s = htons((unsigned short)seq[i + j]++);
        unsigned t = htonl(ts[i + j]);
        ts[i + j] += 160;
        memcpy(p + 2, &s, 2);
        memcpy(p + 4, &t, 4);
        iov[j].iov_base = p;
        iov[j].iov_len = 12 + PAYLOAD;
        memset(&msgs[j], 0, sizeof msgs[j]);
        msgs[j].msg_hdr.msg_name = &addrs[i + j];
        msgs[j].msg_hdr.msg_namelen = sizeof addrs[i + j];
        msgs[j].msg_hdr.msg_iov = &iov[j];
        msgs[j].msg_hdr.msg_iovlen = 1;
      }
      int done = 0;
      while (done < k) {
        int r = sendmmsg(fd, msgs + done, k - done, 0);
        if (r <= 0) break;
        done += r;
      }
      sent += done;
    }
  }
  usleep(200000);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  printf("{\"sent\":%lld,\"cpu_s\":%.3f}\n", sent, cpu);
  return 0;
}
