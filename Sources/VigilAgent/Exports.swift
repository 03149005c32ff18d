// The outputs are a module of their own (the fleet server forwards through them too);
// everything that uses the agent uses them, so they come with it.
@_exported import VigilOutputs
