// Conversations to hold with the bot through the Playground. Each scenario returns its steps:
// what was done, where, and what the cards said afterwards; Python asserts on them.

/** Asks about the model in a personal chat and a group chat, answers a pulse in the group
 * chat, then runs one in a channel from `pulse start` to the digest, and reads `my answers`
 * where it lands (the 1:1 chat). */
async function explainAndPulse(playground, record) {
  await record('install-personal', 'personal', () => playground.arrived({ expect: 1 }));
  await record('ask-level', 'personal', () => playground.say('what is level 3 measurement'));
  await record('help', 'personal', () => playground.say('help'));

  await record('install-group', 'group', () => playground.switchTo('group', { expect: 1 }));
  await record('ask-aspect-in-group', 'group', () => playground.say('tell me about adoption'));
  // A group chat has no threads: the round's post and its questions go into the chat.
  await record('pulse-start-in-group', 'group', () => playground.say('pulse start', { expect: 6 }));
  await record('answer-in-group', 'group', () => playground.click('Question 1 of 5', 'Level 1'));

  await record('install-channel', 'channel', () => playground.switchTo('channel', { expect: 1 }));
  // The round's post and one reply per question.
  await record('pulse-start', 'channel', () => playground.say('pulse start', { expect: 6 }));
  await record('answer', 'channel', () => playground.click('Question 2 of 5', 'Level 2'));
  // A comment on the clicker's own view: the question card stays, with the comment on it.
  await record('comment', 'channel', async () => {
    await playground.fill('Question 2 of 5', 'Our docs lag behind the portal');
    return playground.click('Question 2 of 5', 'Save comment');
  });
  await record('answer-another', 'channel', () => playground.click('Question 4 of 5', 'Level 3'));
  // The bot refreshes a question's shared response count at most every 10 s (Teams' thread
  // limits), so both edits come about 10 s after the clicks.
  await record('count-update', 'channel', () =>
    playground.waitForChanges({ expect: 2, timeout: 25_000 }),
  );
  await record('pulse-status', 'channel', () => playground.say('pulse status'));
  // The summary, every question card turning to "Closed", and a word under the command's
  // own post (the summary went to the round's thread).
  await record('pulse-close', 'channel', () => playground.say('pulse close', { expect: 7 }));
  await record('digest', 'channel', () => playground.say('digest'));
  // Private: a pointer where it was asked, the answers in the 1:1 chat.
  await record('my-answers', 'channel', () => playground.say('my answers'));
  await record('my-answers-private', 'personal', async () => {
    await playground.switchTo('personal');
    return playground.lastCards(1);
  });
}

export const SCENARIOS = {
  'explain-and-pulse': explainAndPulse,
};
