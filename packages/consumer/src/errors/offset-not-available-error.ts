// The class lives in @kf/protocol (one class object for both packages); kept here for the
// modules that import it by this path.
export { OffsetNotAvailableError } from '@kf/protocol';
