// The history of endpoint specs: every change recorded with who, why and the spec it made (restores read it back).

import { NotFoundError } from '../core/errors.js';
import type { EndpointEvent, Store } from '../store/store.js';

export class EndpointHistory {
  constructor(private readonly store: Pick<Store, 'endpointEvents' | 'endpointEvent'>) {}

  /** Every change of an endpoint, oldest first; NotFoundError when it has none. */
  async of(endpoint: string): Promise<EndpointEvent[]> {
    const events = await this.store.endpointEvents(endpoint);
    if (events.length === 0) throw new NotFoundError(`endpoint "${endpoint}" has no history`);
    return events;
  }

  /** One event of an endpoint's history; NotFoundError when the id is unknown or belongs to another endpoint. */
  async event(endpoint: string, id: number): Promise<EndpointEvent> {
    const event = await this.store.endpointEvent(id);
    if (!event || event.endpoint !== endpoint) throw new NotFoundError(`endpoint "${endpoint}" has no history event ${id}`);
    return event;
  }
}
