// Maps the payment provider's webhook to our event schema.
const { id, amount_cents, currency } = event.data;
return { type: 'payment.received', paymentId: id, amount: amount_cents / 100, currency: currency.toUpperCase() };
