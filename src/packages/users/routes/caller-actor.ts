// In core so that every package (the admin's views among them) builds the caller's Actor alike.
export { callerActor } from '../../../core/actor.ts';
