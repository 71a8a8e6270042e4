// meterdsp-modbus — serves a two-panel monitor's BCPM point map and SunSpec map over Modbus TCP.
//
//   meterdsp-modbus --demo [--host 127.0.0.1] [--port 1502] [--allow-writes] [--max-clients N]
//   meterdsp-modbus --stdin ...   (live: interleaved int16 frames, V1..V3 + 92 CTs in ADC
//                                  order, 2560 frames per second, on standard input)
//
// Unit 1 = panel 1, unit 2 = panel 2; each serves its point map (doc register N = protocol
// address N − 1) and the SunSpec map at 40001. Binds to loopback unless --host says otherwise,
// is read-only unless --allow-writes, accepts at most --max-clients connections (8), drops a
// client whose request does not complete within 1 s, and exits cleanly on SIGINT / SIGTERM.
#include <errno.h>
#include <fcntl.h>
#include <modbus/modbus.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "meterdsp/meterdsp.h"
#include "modbus_handler.h"
#include "synthetic_panel.h"

namespace {

volatile sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

struct Args {
  bool demo = false, live = false, allow_writes = false;
  std::string host = "127.0.0.1";
  int port = 1502;
  int max_clients = 8;
  double duration_s = 0;  // 0 = until a signal
};

int Usage(const char* msg) {
  std::fprintf(stderr,
               "%s\nusage: meterdsp-modbus (--demo | --stdin) [--host ADDR] [--port N] "
               "[--allow-writes] [--max-clients N] [--duration S]\n",
               msg);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", name);
        std::exit(2);
      }
      return argv[++i];
    };
    if (s == "--demo") a.demo = true;
    else if (s == "--stdin") a.live = true;
    else if (s == "--allow-writes") a.allow_writes = true;
    else if (s == "--host") a.host = value("--host");
    else if (s == "--port") a.port = std::atoi(value("--port"));
    else if (s == "--max-clients") a.max_clients = std::atoi(value("--max-clients"));
    else if (s == "--duration") a.duration_s = std::atof(value("--duration"));
    else return Usage(("unknown option " + s).c_str());
  }
  if (a.demo == a.live) return Usage("choose one of --demo or --stdin");
  if (a.port < 1 || a.port > 65535) return Usage("--port must be 1..65535");
  if (a.max_clients < 1 || a.max_clients > 256) return Usage("--max-clients must be 1..256");

  // The monitor: the synthetic panel's topology (Top Feed, its phase assignment), a few
  // logical circuits for the SunSpec map, 15-min demand on the wall clock.
  const synthetic::Panel sim;
  auto cfg = std::make_unique<meterdsp::MeterConfig>();
  sim.Configure(*cfg);
  auto panel = std::make_unique<meterdsp::PanelConfig>();
  sim.Topology(*panel);
  if (meterdsp::ApplyPanel(*panel, cfg->window) != meterdsp::Status::kOk) return 1;
  meterdsp::ApplyPanelDemandGroups(*panel, cfg->demand);
  cfg->demand.clock_aligned = true;
  auto meter = std::make_unique<meterdsp::Meter>();
  if (meterdsp::Status s = meterdsp::Init(*cfg, *meter); s != meterdsp::Status::kOk) {
    std::fprintf(stderr, "Init failed: %s\n", meterdsp::ToString(s));
    return 1;
  }
  (void)meterdsp::SetClock(*meter, static_cast<double>(std::time(nullptr)));
  meterdsp::RegisterSettings settings;
  sim.Ratings(settings);
  auto last = std::make_unique<meterdsp::WindowResult>();
  meterdsp::RegisterContext ctx{meter.get(), cfg.get(), panel.get(), &settings, nullptr};
  const meterdsp::modbus::ServerOptions options{a.allow_writes};

  modbus_t* mb = modbus_new_tcp(a.host.c_str(), a.port);
  if (mb == nullptr) return Usage("cannot create the Modbus context");
  modbus_set_indication_timeout(mb, 1, 0);
  const int listen_fd = modbus_tcp_listen(mb, a.max_clients);
  if (listen_fd < 0) {
    std::fprintf(stderr, "cannot listen on %s:%d: %s\n", a.host.c_str(), a.port, modbus_strerror(errno));
    modbus_free(mb);
    return 1;
  }
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  signal(SIGPIPE, SIG_IGN);
  std::printf("meterdsp-modbus: serving %s on %s:%d (units 1, 2; %s, at most %d clients)\n",
              a.demo ? "the demo panel" : "live samples from stdin", a.host.c_str(), a.port,
              a.allow_writes ? "writes allowed" : "read-only", a.max_clients);
  std::fflush(stdout);

  std::vector<int> clients;
  std::vector<float> vrows(3 * synthetic::kBlock), irows(synthetic::kCurrents * synthetic::kBlock);
  std::vector<meterdsp::WindowResult> out(meterdsp::MaxWindowsPerBlock(meter->window, synthetic::kBlock));
  std::vector<uint8_t> stdin_buf;
  const size_t frame_bytes = (3 + synthetic::kCurrents) * sizeof(int16_t);
  if (a.live) fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
  bool stdin_open = a.live;
  const auto start = std::chrono::steady_clock::now();
  auto next_tick = start;
  size_t second = static_cast<size_t>(std::time(nullptr) % 86400);
  uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH], resp[meterdsp::modbus::kMaxAdu];

  auto feed = [&](auto block) {
    size_t done = 0;
    if (meterdsp::Process(*meter, block, out.data(), out.size(), &done) == meterdsp::Status::kOk && done > 0) {
      *last = out[done - 1];
      ctx.last = last.get();
    }
  };

  while (!g_stop) {
    const auto now = std::chrono::steady_clock::now();
    if (a.duration_s > 0 && now - start > std::chrono::duration<double>(a.duration_s)) break;
    if (a.demo && now >= next_tick) {  // one simulated second per second
      sim.Second(second++, vrows.data(), irows.data());
      feed(meterdsp::PlanarBlock<float>{vrows.data(), synthetic::kBlock, irows.data(), synthetic::kBlock,
                                        synthetic::kBlock});
      next_tick += std::chrono::seconds(1);
    }
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(listen_fd, &rd);
    int maxfd = listen_fd;
    for (int fd : clients) {
      FD_SET(fd, &rd);
      if (fd > maxfd) maxfd = fd;
    }
    if (stdin_open) {
      FD_SET(STDIN_FILENO, &rd);
      if (STDIN_FILENO > maxfd) maxfd = STDIN_FILENO;
    }
    timeval tv{0, 100000};
    const int ready = select(maxfd + 1, &rd, nullptr, nullptr, &tv);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (FD_ISSET(listen_fd, &rd)) {
      int lfd = listen_fd;
      const int fd = modbus_tcp_accept(mb, &lfd);
      if (fd >= 0) {
        if (static_cast<int>(clients.size()) >= a.max_clients) {
          close(fd);  // bounded connections: refuse the extra one
        } else {
          clients.push_back(fd);
        }
      }
    }
    if (stdin_open && FD_ISSET(STDIN_FILENO, &rd)) {
      uint8_t buf[65536];
      const ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
      if (n == 0) stdin_open = false;
      if (n > 0) stdin_buf.insert(stdin_buf.end(), buf, buf + n);
      const size_t frames = stdin_buf.size() / frame_bytes;
      if (frames > 0) {
        std::vector<int16_t> f(frames * (3 + synthetic::kCurrents));
        std::memcpy(f.data(), stdin_buf.data(), frames * frame_bytes);
        stdin_buf.erase(stdin_buf.begin(), stdin_buf.begin() + static_cast<std::ptrdiff_t>(frames * frame_bytes));
        for (size_t first = 0; first < frames; first += synthetic::kBlock) {
          const size_t len = std::min(synthetic::kBlock, frames - first);
          feed(meterdsp::FrameBlock<int16_t>{f.data() + first * (3 + synthetic::kCurrents), len,
                                             3 + synthetic::kCurrents});
        }
      }
    }
    for (size_t k = 0; k < clients.size();) {
      const int fd = clients[k];
      bool drop = false;
      if (FD_ISSET(fd, &rd)) {
        modbus_set_socket(mb, fd);
        const int rc = modbus_receive(mb, query);
        if (rc < 0) {
          drop = true;  // closed, timed out, or not a Modbus frame
        } else if (rc > 0) {
          const size_t n = meterdsp::modbus::HandleRequest(ctx, options, query, static_cast<size_t>(rc), resp);
          if (n > 0 && send(fd, resp, n, MSG_NOSIGNAL) != static_cast<ssize_t>(n)) drop = true;
          if (n == 0) drop = true;
        }
      }
      if (drop) {
        close(fd);
        clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(k));
      } else {
        ++k;
      }
    }
  }
  for (int fd : clients) close(fd);
  close(listen_fd);
  modbus_free(mb);
  std::printf("meterdsp-modbus: stopped\n");
  return 0;
}
