/*
 * The nats.c contender of natskit-bench: one scenario per run, with the library's defaults.
 *
 *   bench-natsc SCENARIO URL COUNT [REQUESTERS]
 *
 * SCENARIO is publish, pubsub, request or concurrent, as crates/natskit-bench/src/scenarios.rs
 * defines them. Figures go to standard output one per line, "NAME VALUE" (rate, lost, p50_us,
 * p99_us, and cpu_pct: this process's CPU use while timed, percent of one core), then "done"; errors go to standard error with a non-zero exit status.
 * Built by natskit-bench: cc -O2 natsc.c -lnats -lpthread.
 */
#include <nats/nats.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const char PAYLOAD[] = "0123456789abcdef";
#define PAYLOAD_LEN 16
/* How long the pub/sub subscriber waits for another message before it gives up. */
#define IDLE_NS 2000000000LL
#define REQUEST_TIMEOUT_MS 5000

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* CPU time (user + system) this process used so far, in nanoseconds. */
static int64_t cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
           ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
}

/* The process's CPU use since (start_ns, start_cpu), as percent of one core. */
static void print_cpu(int64_t start_ns, int64_t start_cpu)
{
    printf("cpu_pct %.1f\n", 100.0 * (double)(cpu_ns() - start_cpu) / (double)(now_ns() - start_ns));
}

static void check(natsStatus s, const char *what)
{
    if (s != NATS_OK) {
        fprintf(stderr, "nats.c: %s: %s\n", what, natsStatus_GetText(s));
        nats_PrintLastErrorStack(stderr);
        exit(1);
    }
}

static natsConnection *connect_to(const char *url)
{
    natsConnection *nc = NULL;
    check(natsConnection_ConnectTo(&nc, url), "connect");
    return nc;
}

static void publish(const char *url, int64_t count)
{
    natsConnection *nc = connect_to(url);
    int64_t start = now_ns(), start_cpu = cpu_ns();
    for (int64_t i = 0; i < count; i++)
        check(natsConnection_Publish(nc, "bench.pub", PAYLOAD, PAYLOAD_LEN), "publish");
    check(natsConnection_Flush(nc), "flush");
    print_cpu(start, start_cpu);
    printf("rate %.1f\n", (double)count * 1e9 / (double)(now_ns() - start));
    natsConnection_Destroy(nc);
}

/* The pub/sub subscriber's count, shared by its callback thread and the main thread. */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int64_t received;
    int64_t last_ns;
    int64_t want;
} counter_t;

static void on_count(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    counter_t *c = closure;
    (void)nc;
    (void)sub;
    natsMsg_Destroy(msg);
    pthread_mutex_lock(&c->mu);
    c->received++;
    c->last_ns = now_ns();
    if (c->received == c->want)
        pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->mu);
}

static void pubsub(const char *url, int64_t count)
{
    counter_t c = {.received = 0, .want = count};
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&c.cond, &attr);
    pthread_mutex_init(&c.mu, NULL);

    natsConnection *sub_nc = connect_to(url);
    natsSubscription *sub = NULL;
    check(natsConnection_Subscribe(&sub, sub_nc, "bench.ps", on_count, &c), "subscribe");
    check(natsConnection_Flush(sub_nc), "flush");
    natsConnection *pub_nc = connect_to(url);

    int64_t start = now_ns(), start_cpu = cpu_ns();
    c.last_ns = start;
    for (int64_t i = 0; i < count; i++)
        check(natsConnection_Publish(pub_nc, "bench.ps", PAYLOAD, PAYLOAD_LEN), "publish");
    check(natsConnection_Flush(pub_nc), "flush");

    /* Until every message came, or none came for IDLE_NS. */
    pthread_mutex_lock(&c.mu);
    while (c.received < count) {
        int64_t deadline = c.last_ns + IDLE_NS;
        if (now_ns() >= deadline)
            break;
        struct timespec ts = {.tv_sec = deadline / 1000000000LL, .tv_nsec = deadline % 1000000000LL};
        pthread_cond_timedwait(&c.cond, &c.mu, &ts);
    }
    int64_t received = c.received, last = c.last_ns;
    pthread_mutex_unlock(&c.mu);
    print_cpu(start, start_cpu);

    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    printf("rate %.1f\n", last > start ? (double)received * 1e9 / (double)(last - start) : 0.0);
    printf("lost %lld\n", (long long)(count - received));
    natsConnection_Destroy(pub_nc);
    natsConnection_Destroy(sub_nc);
}

/* Echoes each request's payload to its reply subject. */
static void on_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)sub;
    (void)closure;
    const char *reply = natsMsg_GetReply(msg);
    if (reply != NULL)
        natsConnection_Publish(nc, reply, natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
    natsMsg_Destroy(msg);
}

static natsConnection *responder(const char *url, const char *subject, const char *queue,
                                 natsSubscription **sub)
{
    natsConnection *nc = connect_to(url);
    if (queue != NULL)
        check(natsConnection_QueueSubscribe(sub, nc, subject, queue, on_request, NULL), "subscribe");
    else
        check(natsConnection_Subscribe(sub, nc, subject, on_request, NULL), "subscribe");
    check(natsConnection_Flush(nc), "flush");
    return nc;
}

static int compare_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void request(const char *url, int64_t count)
{
    natsSubscription *sub = NULL;
    natsConnection *server_nc = responder(url, "bench.req", NULL, &sub);
    natsConnection *nc = connect_to(url);
    int64_t *latencies = malloc(sizeof(int64_t) * (size_t)count);
    int64_t start_all = now_ns(), start_cpu = cpu_ns();
    for (int64_t i = 0; i < count; i++) {
        natsMsg *reply = NULL;
        int64_t start = now_ns();
        check(natsConnection_Request(&reply, nc, "bench.req", PAYLOAD, PAYLOAD_LEN, REQUEST_TIMEOUT_MS),
              "request");
        latencies[i] = now_ns() - start;
        natsMsg_Destroy(reply);
    }
    print_cpu(start_all, start_cpu);
    qsort(latencies, (size_t)count, sizeof(int64_t), compare_i64);
    printf("p50_us %.1f\n", (double)latencies[(count - 1) / 2] / 1e3);
    printf("p99_us %.1f\n", (double)latencies[(int64_t)((double)(count - 1) * 0.99)] / 1e3);
    free(latencies);
    natsConnection_Destroy(nc);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(server_nc);
}

typedef struct {
    natsConnection *nc;
    int64_t requests;
} requester_t;

static void *requester(void *arg)
{
    requester_t *r = arg;
    for (int64_t i = 0; i < r->requests; i++) {
        natsMsg *reply = NULL;
        check(natsConnection_Request(&reply, r->nc, "bench.qreq", PAYLOAD, PAYLOAD_LEN, REQUEST_TIMEOUT_MS),
              "request");
        natsMsg_Destroy(reply);
    }
    return NULL;
}

static void concurrent(const char *url, int64_t count, int requesters)
{
    natsSubscription *subs[2] = {NULL, NULL};
    natsConnection *responders[2];
    for (int i = 0; i < 2; i++)
        responders[i] = responder(url, "bench.qreq", "echo", &subs[i]);
    natsConnection *nc = connect_to(url);
    pthread_t *threads = malloc(sizeof(pthread_t) * (size_t)requesters);
    requester_t r = {.nc = nc, .requests = count / requesters};
    int64_t start = now_ns(), start_cpu = cpu_ns();
    for (int i = 0; i < requesters; i++)
        pthread_create(&threads[i], NULL, requester, &r);
    for (int i = 0; i < requesters; i++)
        pthread_join(threads[i], NULL);
    print_cpu(start, start_cpu);
    printf("rate %.1f\n", (double)(r.requests * requesters) * 1e9 / (double)(now_ns() - start));
    free(threads);
    natsConnection_Destroy(nc);
    for (int i = 0; i < 2; i++) {
        natsSubscription_Destroy(subs[i]);
        natsConnection_Destroy(responders[i]);
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s publish|pubsub|request|concurrent URL COUNT [REQUESTERS]\n", argv[0]);
        return 2;
    }
    const char *scenario = argv[1], *url = argv[2];
    int64_t count = strtoll(argv[3], NULL, 10);
    int requesters = argc > 4 ? atoi(argv[4]) : 64;
    if (count <= 0 || requesters <= 0) {
        fprintf(stderr, "nats.c: COUNT and REQUESTERS must be positive\n");
        return 2;
    }
    if (strcmp(scenario, "publish") == 0)
        publish(url, count);
    else if (strcmp(scenario, "pubsub") == 0)
        pubsub(url, count);
    else if (strcmp(scenario, "request") == 0)
        request(url, count);
    else if (strcmp(scenario, "concurrent") == 0)
        concurrent(url, count, requesters);
    else {
        fprintf(stderr, "nats.c: unknown scenario %s\n", scenario);
        return 2;
    }
    printf("done\n");
    fflush(stdout);
    nats_Close();
    return 0;
}
