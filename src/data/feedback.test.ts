// Feedback bodies: the accepted shapes and the messages for each mistake.
import { describe, expect, it } from 'vitest';
import { MAX_FEEDBACK_ITEMS, parseFeedback } from './feedback.js';

describe('feedback bodies', () => {
  it('reads a list, {feedback: [...]}, or one item; labels, values, and one per row', () => {
    expect(parseFeedback({ request_id: 'a', label: 'cat' })).toEqual([{ requestId: 'a', label: 'cat' }]);
    expect(parseFeedback([{ request_id: 'a', value: 1.5 }])).toEqual([{ requestId: 'a', label: 1.5 }]);
    expect(parseFeedback({ feedback: [{ request_id: 'b', label: [3, 'dog'] }] })).toEqual([{ requestId: 'b', label: [3, 'dog'] }]);
  });
  it('names the item and field that is wrong', () => {
    expect(() => parseFeedback({ feedback: [] })).toThrow(/at least one item/);
    expect(() => parseFeedback([{ label: 1 }])).toThrow(/feedback\[0\].request_id: expected the id of a served request/);
    expect(() => parseFeedback([{ request_id: 'a', label: 1, value: 1 }])).toThrow(/exactly one of "label"/);
    expect(() => parseFeedback([{ request_id: 'a', value: 'x' }])).toThrow(/feedback\[0\].value: expected a finite number/);
    expect(() => parseFeedback([{ request_id: 'a', value: [] }])).toThrow(/one finite number per row/);
    expect(() => parseFeedback([{ request_id: 'a', label: 1, extra: 2 }])).toThrow(/unknown field "extra"/);
    const many = Array.from({ length: MAX_FEEDBACK_ITEMS + 1 }, (_, i) => ({ request_id: `r${i}`, value: 1 }));
    expect(() => parseFeedback(many)).toThrow(/at most 10000 items per post/);
  });
});
