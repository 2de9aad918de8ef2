// TypeDoc plugin (typedoc.json's `plugin`): every class and interface of the reference needs a
// doc comment of its own. TypeDoc copies a base type's comment onto a subtype that has none, so
// `interface EventWaitOptions extends SignalOptions` without a comment would pass
// `validation.notDocumented` with SignalOptions' summary, which describes something else.
// Members keep inheriting (an override is documented by what it overrides).
import { Converter, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  let bare = [];
  // Comments are attached while converting; the copying happens at resolve end.
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    bare = context.project.getReflectionsByKind(ReflectionKind.ClassOrInterface).filter((type) => !type.hasComment());
  });
  app.converter.on(Converter.EVENT_RESOLVE_END, () => {
    for (const type of bare) {
      app.logger.warn(`${type.getFriendlyFullName()} (${ReflectionKind[type.kind]}) has no doc comment of its own`);
    }
    bare = [];
  });
}
