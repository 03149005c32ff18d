import Logging
import ServiceLifecycle
import VigilProfile
import VigilSystem

/// The worker process's services, composed: the scheduler first (the others read its
/// state), telemetry, the admin socket, the event tracer, the fleet connection and the
/// continuous profile writer and profiler. The group starts them in this order and
/// stops them in reverse, each once the one after it has ended. Extras (admin, tracer,
/// fleet, profiler) may fail without stopping the queries; each logs why. Runs until
/// SIGTERM or SIGINT.
public struct AgentWorker {
    public let paths: AgentPaths
    public let source: ConfigSource
    public let config: AgentConfig
    public let logger: Logger

    public init(paths: AgentPaths, source: ConfigSource, config: AgentConfig, logger: Logger) {
        self.paths = paths
        self.source = source
        self.config = config
        self.logger = logger
    }

    public func run() async throws {
        MallocArenas.limitToTwo()
        let raw = config.options.raw
        let events = EventStores(capacity: config.options.eventsMax, expirySeconds: config.options.eventsExpiry)
        // The supervisor checked these options before starting the worker.
        let fleet = try? FleetOptions.from(raw)
        let fleetLog = fleet.flatMap { f in
            f.loggerToServer || config.options.loggerPlugins.contains(.tls)
                ? FleetLogChannel(maxLines: f.loggerMaxLines, periodSeconds: Double(f.loggerPeriodSeconds)) : nil
        }
        let scheduler = try SchedulerService(paths: paths, source: source, config: config, events: events, fleetLog: fleetLog, logger: logger)
        let telemetry = try TelemetryService(statePath: paths.statePath, logger: logger) { [scheduler] in scheduler.queriesRun }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: scheduler), .init(service: telemetry)]
        services.append(extra(AdminService(paths: paths, scheduler: scheduler, logger: logger)))
        // osquery's disable_events: event tables are on unless the config turns them off.
        if !config.options.disableEvents {
            services.append(extra(EventTracerService(stores: events, filePaths: config.filePaths, logger: logger)))
            services.append(extra(UEventSource.service(store: events.hardware, logger: logger)))
            services.append(extra(AuditSource.service(stores: events, logger: logger)))
            // osquery's enable_syslog: off unless asked, since it creates a pipe for rsyslog.
            if config.options.enableSyslog {
                services.append(extra(SyslogPipeSource.service(path: config.options.syslogPipePath, store: events.syslog, logger: logger)))
            } else {
                logger.info("syslog_events is empty: enable_syslog is off (set it, and point rsyslog at syslog_pipe_path)")
            }
        }
        let profiling = ProfileWriterService.options(from: config)
        // Continuous profiles go to the server too, as the writer writes them.
        let uploads = fleet != nil && profiling != nil ? AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(16)) : nil
        if let fleet {
            services.append(extra(FleetService(options: fleet, paths: paths, hostIdentifier: HostIdentifier.resolve(config.options),
                                               logChannel: fleetLog, scheduler: scheduler,
                                               queryTimeoutSeconds: AdminService.queryTimeout(config.options),
                                               continuousProfiles: uploads?.stream, logger: logger)))
        }
        if let profiling {
            let profiler = ProfilerService(options: profiling)
            let writer = ProfileWriterService(queue: profiler.queue, directory: paths.dataDirectory + "/profiles",
                                              keep: config.options.profilingKeep, logger: logger, written: uploads?.continuation)
            // The writer before the profiler: a group stops its services in reverse order,
            // each after the one behind it has ended, so the profiler queues its last
            // partial interval as it stops, and only then is the writer told to stop and
            // drain the queue. The other way round, the last profile was never written.
            services += [extra(writer), extra(profiler)]
        }
        services.append(extra(StartupCodeRelease(afterSeconds: 30, logger: logger)))
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// A service whose end, by success or failure, does not stop the worker.
    func extra(_ service: some Service) -> ServiceGroupConfiguration.ServiceConfiguration {
        .init(service: service, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore)
    }
}
