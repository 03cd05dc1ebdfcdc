// Kubernetes Events for tunnel transitions (accepted, rejected, assigned, moved, deleted).
// Fire-and-forget: an Event that cannot be written is logged, never retried, and never fails
// a reconcile — Events are for people, status is the record.
import type { KubeApi } from './client.js';

export interface EventTarget {
	apiVersion: string;
	kind: string;
	metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export interface EventRecorder {
	record(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export function eventRecorder(api: KubeApi, component: string, onError: (err: unknown) => void = () => undefined): EventRecorder {
	return {
		record(target, type, reason, message) {
			const namespace = target.metadata.namespace ?? 'default';
			const time = new Date();
			api
				.createEvent(namespace, {
					metadata: { generateName: `${target.metadata.name}.`, namespace },
					involvedObject: {
						apiVersion: target.apiVersion,
						kind: target.kind,
						name: target.metadata.name,
						namespace,
						...(target.metadata.uid ? { uid: target.metadata.uid } : {}),
						...(target.metadata.resourceVersion ? { resourceVersion: target.metadata.resourceVersion } : {}),
					},
					reason,
					message,
					type,
					source: { component },
					reportingComponent: component,
					firstTimestamp: time,
					lastTimestamp: time,
					count: 1,
				})
				.catch(onError);
		},
	};
}
