const ms = require('ms');
console.log(`ms from the npm registry says 2 days = ${ms('2 days')} ms`);
